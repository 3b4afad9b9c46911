// @vitest-environment jsdom
import { Doc } from '@weft/crdt-core'
import fc from 'fast-check'
import { schema } from 'prosemirror-schema-basic'
import { EditorState, TextSelection, type Transaction } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { afterEach, describe, expect, it } from 'vitest'
import { docFromSpans } from './flat.js'
import { weftPlugin } from './index.js'

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

function mount(doc: Doc, content?: ReturnType<typeof schema.node>): EditorView {
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
          ? state.tr.addMark(at, end(o.len), schema.marks.strong.create())
          : state.tr.removeMark(at, end(o.len), schema.marks.strong)
        : null
    case 'heading':
      return state.tr.setBlockType(at, at, o.on ? schema.nodes.heading : schema.nodes.paragraph, o.on ? { level: 2 } : null)
    case 'replace':
      return end(o.len) > at ? state.tr.setSelection(TextSelection.create(state.doc, at, end(o.len))).insertText(o.text) : null
  }
}

describe('[PM-2] local edits', () => {
  it('seeded editor transactions: the text renders to the editor after each, and a peer fed its deltas shows the same', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(op, fc.boolean()), { minLength: 1, maxLength: 30 }), (ops) => {
        const a = new Doc({ replicaId: 1 })
        const initial = schema.node('doc', null, [
          schema.node('paragraph', null, [schema.text('one two')]),
          schema.node('heading', { level: 1 }, [schema.text('three')]),
          schema.node('paragraph', null, [schema.text('four '), schema.text('five', [schema.marks.strong.create()])]),
        ])
        const va = mount(a, initial)
        const b = Doc.load(a.encodeState(), { replicaId: 2 })
        const vb = mount(b)
        a.on('delta', (bytes) => b.applyDelta(bytes))
        b.on('delta', (bytes) => a.applyDelta(bytes))
        // Each edit is made in one of the two editors; the other gets it as a remote change, so each
        // editor's local edits follow remote renders of the other's.
        for (const [o, inB] of ops) {
          const [view, doc] = inB ? [vb, b] : [va, a]
          const tr = transaction(view.state, o)
          if (tr === null || !tr.docChanged) continue
          view.dispatch(tr)
          expect(docFromSpans(schema, doc.getText('body').toDelta()).toJSON()).toEqual(view.state.doc.toJSON())
          expect(vb.state.doc.toJSON()).toEqual(va.state.doc.toJSON())
        }
      }),
      { numRuns: Number(process.env['WEFT_PM_LOCAL_RUNS'] ?? 150), seed: Number(process.env['WEFT_PM_LOCAL_SEED'] ?? 2204) },
    )
  })
})

describe('[PM-2] [PM-3] concurrent editors', () => {
  it('seeded edits in three editors with deltas held back and delivered at random: each editor always shows its own text, and all three end equal', () => {
    type Step = { kind: 'edit'; editor: number; op: Op } | { kind: 'deliver'; to: number; count: number }
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), editor: fc.nat(2), op }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('deliver' as const), to: fc.nat(2), count: fc.integer({ min: 1, max: 4 }) }) },
    )
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const first = new Doc({ replicaId: 1 })
        const initial = schema.node('doc', null, [
          schema.node('paragraph', null, [schema.text('one two')]),
          schema.node('heading', { level: 1 }, [schema.text('three')]),
          schema.node('paragraph', null, [schema.text('four '), schema.text('five', [schema.marks.strong.create()])]),
        ])
        const views = [mount(first, initial)]
        const docs = [first]
        for (const replicaId of [2, 3]) {
          const doc = Doc.load(first.encodeState(), { replicaId })
          docs.push(doc)
          views.push(mount(doc))
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
        const shows = (i: number) => expect(views[i]!.state.doc.toJSON()).toEqual(docFromSpans(schema, docs[i]!.getText('body').toDelta()).toJSON())
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
        expect(views[1]!.state.doc.toJSON()).toEqual(views[0]!.state.doc.toJSON())
        expect(views[2]!.state.doc.toJSON()).toEqual(views[0]!.state.doc.toJSON())
      }),
      { numRuns: Number(process.env['WEFT_PM_CONCURRENT_RUNS'] ?? 200), seed: Number(process.env['WEFT_PM_CONCURRENT_SEED'] ?? 2205) },
    )
  })
})
