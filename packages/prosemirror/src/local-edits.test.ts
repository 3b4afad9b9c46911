// @vitest-environment jsdom
import { Doc } from '@weft/crdt-core'
import fc from 'fast-check'
import type { Node as PMNode, Schema } from 'prosemirror-model'
import { EditorState, TextSelection, type Transaction } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { afterEach, describe, expect, it } from 'vitest'
import { docFromSpans } from './flat.js'
import { weftPlugin } from './index.js'
import { blocksJSON, groupsBounded, schemas } from './schemas.test-support.js'

/**
 * [PM-2] Local editor transactions of every common shape (typing, deleting
 * across blocks, Enter, joining blocks, marks, block types, replacing a
 * range) reach Weft exactly: after each one the text renders to the editor's
 * document, and the other editor, fed only the deltas, shows the same. Edits
 * alternate between two editors at random, so local edits follow remote ones.
 */

const views: EditorView[] = []
afterEach(() => {
  for (const v of views.splice(0)) v.destroy()
})

function mount(schema: Schema, doc: Doc, content?: PMNode): EditorView {
  const state = EditorState.create({ schema, ...(content ? { doc: content } : {}), plugins: [weftPlugin(doc, doc.getText('body'))] })
  const view = new EditorView(document.body.appendChild(document.createElement('div')), { state })
  views.push(view)
  return view
}

type Op =
  | { kind: 'type'; at: number; text: string }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'enter'; at: number }
  | { kind: 'mark'; at: number; len: number; on: boolean }
  | { kind: 'heading'; at: number; on: boolean }
  | { kind: 'replace'; at: number; len: number; text: string }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('type' as const), at: fc.nat(500), text: fc.constantFrom('k', 'ab', 'xyz') }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(500), len: fc.integer({ min: 1, max: 15 }) }),
  fc.record({ kind: fc.constant('enter' as const), at: fc.nat(500) }),
  fc.record({ kind: fc.constant('mark' as const), at: fc.nat(500), len: fc.integer({ min: 1, max: 10 }), on: fc.boolean() }),
  fc.record({ kind: fc.constant('heading' as const), at: fc.nat(500), on: fc.boolean() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(500), len: fc.integer({ min: 1, max: 6 }), text: fc.constantFrom('q', 'same') }),
)

/** A position inside some textblock, from a seed number. */
function textPos(state: EditorState, n: number): number {
  const size = state.doc.content.size
  for (let k = 0; k < size; k++) {
    const pos = ((n + k) % size) + 1
    if (pos <= size && state.doc.resolve(pos).parent.isTextblock) return pos
  }
  return 1
}

function transaction(state: EditorState, o: Op): Transaction | null {
  const schema = state.schema
  const at = textPos(state, o.at)
  const end = (len: number) => Math.min(state.doc.content.size - 1, at + len)
  switch (o.kind) {
    case 'type':
      return state.tr.insertText(o.text, at)
    case 'delete':
      return end(o.len) > at ? state.tr.delete(at, end(o.len)) : null
    case 'enter':
      return state.tr.split(at)
    case 'mark':
      return end(o.len) > at
        ? o.on
          ? state.tr.addMark(at, end(o.len), schema.marks.strong!.create())
          : state.tr.removeMark(at, end(o.len), schema.marks.strong!)
        : null
    case 'heading':
      return state.tr.setBlockType(at, at, o.on ? schema.nodes.heading! : schema.nodes.paragraph!, o.on ? { level: 2 } : null)
    case 'replace':
      return end(o.len) > at ? state.tr.setSelection(TextSelection.create(state.doc, at, end(o.len))).insertText(o.text) : null
  }
}

/** Three blocks, one a heading and one with bold text (grouped as the schema groups them). */
function initialDoc(schema: Schema): PMNode {
  return docFromSpans(schema, [
    { insert: 'one two\n' },
    { insert: 'three' },
    { insert: '\n', attributes: { block: { type: 'heading', attrs: { level: 1 } } } },
    { insert: 'four ' },
    { insert: 'five', attributes: { strong: true } },
    { insert: '\n' },
  ])
}

describe.each(schemas)('[PM-2] local edits, %s', (_name, schema) => {
  it('seeded editor transactions: the text renders to the editor after each, and a peer fed its deltas shows the same', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(op, fc.boolean()), { minLength: 1, maxLength: 30 }), (ops) => {
        const a = new Doc({ replicaId: 1 })
        const initial = initialDoc(schema)
        const va = mount(schema, a, initial)
        const b = Doc.load(a.encodeState(), { replicaId: 2 })
        const vb = mount(schema, b)
        a.on('delta', (bytes) => b.applyDelta(bytes))
        b.on('delta', (bytes) => a.applyDelta(bytes))
        // Each edit is made in one of the two editors; the other gets it as a remote change, so each
        // editor's local edits follow remote renders of the other's.
        for (const [o, inB] of ops) {
          const [view, doc] = inB ? [vb, b] : [va, a]
          const tr = transaction(view.state, o)
          if (tr === null || !tr.docChanged) continue
          view.dispatch(tr)
          view.state.doc.check()
          expect(groupsBounded(view.state.doc)).toBe(true)
          expect(blocksJSON(docFromSpans(schema, doc.getText('body').toDelta()))).toEqual(blocksJSON(view.state.doc))
          expect(blocksJSON(vb.state.doc)).toEqual(blocksJSON(va.state.doc))
        }
      }),
      { numRuns: Number(process.env['WEFT_PM_LOCAL_RUNS'] ?? 150), seed: Number(process.env['WEFT_PM_LOCAL_SEED'] ?? 2204) },
    )
  })
})

describe.each(schemas)('[PM-2] [PM-3] concurrent editors, %s', (_name, schema) => {
  it('seeded edits in three editors with deltas held back and delivered at random: each editor always shows its own text, and all three end equal', () => {
    type Step = { kind: 'edit'; editor: number; op: Op } | { kind: 'deliver'; to: number; count: number }
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), editor: fc.nat(2), op }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('deliver' as const), to: fc.nat(2), count: fc.integer({ min: 1, max: 4 }) }) },
    )
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const first = new Doc({ replicaId: 1 })
        const initial = initialDoc(schema)
        const views = [mount(schema, first, initial)]
        const docs = [first]
        for (const replicaId of [2, 3]) {
          const doc = Doc.load(first.encodeState(), { replicaId })
          docs.push(doc)
          views.push(mount(schema, doc))
        }
        // inbox[i] holds every delta made elsewhere that editor i has not had yet, in the order they were made
        // (a server relays one writer's deltas in order; two writers' interleave as they arrive).
        const inbox: Uint8Array[][] = docs.map(() => [])
        docs.forEach((doc, i) => {
          doc.on('delta', (bytes, origin) => {
            if (origin !== 'remote') inbox.forEach((q, j) => j !== i && q.push(bytes))
          })
        })
        const deliver = (to: number, count: number) => {
          for (const bytes of inbox[to]!.splice(0, count)) docs[to]!.applyDelta(bytes, 'remote')
        }
        const shows = (i: number) => expect(blocksJSON(views[i]!.state.doc)).toEqual(blocksJSON(docFromSpans(schema, docs[i]!.getText('body').toDelta())))
        for (const s of steps) {
          if (s.kind === 'deliver') {
            deliver(s.to, s.count)
            shows(s.to)
            continue
          }
          const view = views[s.editor]!
          const tr = transaction(view.state, s.op)
          if (tr === null || !tr.docChanged) continue
          view.dispatch(tr)
          shows(s.editor)
        }
        for (let i = 0; i < docs.length; i++) deliver(i, Infinity)
        const texts = docs.map((d) => d.getText('body').toString())
        expect(texts[1]).toBe(texts[0])
        expect(texts[2]).toBe(texts[0])
        for (let i = 0; i < docs.length; i++) shows(i)
        expect(blocksJSON(views[1]!.state.doc)).toEqual(blocksJSON(views[0]!.state.doc))
        expect(blocksJSON(views[2]!.state.doc)).toEqual(blocksJSON(views[0]!.state.doc))
      }),
      { numRuns: Number(process.env['WEFT_PM_CONCURRENT_RUNS'] ?? 200), seed: Number(process.env['WEFT_PM_CONCURRENT_SEED'] ?? 2205) },
    )
  })
})
