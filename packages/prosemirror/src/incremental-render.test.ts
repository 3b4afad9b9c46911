// @vitest-environment jsdom
import { Doc, type WeftText } from '@weft/crdt-core'
import fc from 'fast-check'
import type { Schema } from 'prosemirror-model'
import { EditorState, Plugin } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { afterEach, describe, expect, it } from 'vitest'
import { BlockStarts } from './block-starts.js'
import { docFromSpans } from './flat.js'
import { weftPlugin } from './index.js'
import { blocksJSON, groupsBounded, schemas } from './schemas.test-support.js'

/**
 * [PM-3] A remote change rebuilds only the blocks its delta touches, and the
 * editor then shows exactly what rendering the whole text would: under seeded
 * remote inserts, deletes (across blocks too), inline marks and block types,
 * typed into a peer and delivered one delta at a time.
 */

const views: EditorView[] = []
afterEach(() => {
  for (const v of views.splice(0)) v.destroy()
})

/** An editor bound to `doc`; `steps` collects how much of the document each remote transaction replaced. */
function mount(schema: Schema, doc: Doc): { view: EditorView; replaced: number[] } {
  const replaced: number[] = []
  const spy = new Plugin({
    filterTransaction: (tr) => {
      for (const step of tr.steps) {
        const json = step.toJSON() as { from?: number; to?: number; slice?: { content?: unknown[] } }
        replaced.push((json.to ?? 0) - (json.from ?? 0))
      }
      return true
    },
  })
  const state = EditorState.create({ schema, plugins: [weftPlugin(doc, doc.getText('body')), spy] })
  const view = new EditorView(document.body.appendChild(document.createElement('div')), { state })
  views.push(view)
  return { view, replaced }
}

type Edit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'mark'; at: number; len: number; key: 'strong' | 'em'; on: boolean }
  | { kind: 'block'; at: number; heading: boolean }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(400), text: fc.constantFrom('a', 'bc', '\n', 'x\ny', 'end\n') }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(400), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({
    kind: fc.constant('mark' as const),
    at: fc.nat(400),
    len: fc.integer({ min: 1, max: 10 }),
    key: fc.constantFrom('strong' as const, 'em' as const),
    on: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('block' as const), at: fc.nat(400), heading: fc.boolean() }),
)

function apply(t: WeftText, e: Edit): void {
  const n = t.length
  if (e.kind === 'insert') return t.insert(e.at % (n + 1), e.text)
  if (n === 0) return
  const at = e.at % n
  if (e.kind === 'delete') return t.delete(at, Math.min(e.len, n - at))
  if (e.kind === 'mark') return t.format(at, Math.min(e.len, n - at), { [e.key]: e.on ? true : null })
  // A block type is the `block` mark on a block's '\n'.
  const nl = t.toString().indexOf('\n', at)
  if (nl >= 0) t.format(nl, 1, { block: e.heading ? { type: 'heading', attrs: { level: 2 } } : null })
}

describe.each(schemas)('[PM-3] incremental remote render, %s', (_name, schema) => {
  it('seeded remote edits: the editor equals a whole render of the text after every delta', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 40 }), (edits) => {
        const writer = new Doc({ replicaId: 1 })
        const body = writer.getText('body')
        body.insert(0, 'one two\nthree four five\nsix\nseven eight\n')
        const reader = Doc.load(writer.encodeState(), { replicaId: 2 })
        const { view } = mount(schema, reader)
        writer.on('delta', (bytes) => reader.applyDelta(bytes))
        for (const e of edits) {
          apply(body, e)
          const whole = docFromSpans(schema, reader.getText('body').toDelta())
          view.state.doc.check()
          expect(groupsBounded(view.state.doc)).toBe(true)
          expect(blocksJSON(view.state.doc)).toEqual(blocksJSON(whole))
        }
      }),
      { numRuns: Number(process.env['WEFT_PM_RENDER_RUNS'] ?? 150), seed: Number(process.env['WEFT_PM_RENDER_SEED'] ?? 2203) },
    )
  })

  it('a remote keystroke in a 2,000-block document replaces one character, not the document', () => {
    const writer = new Doc({ replicaId: 1 })
    const body = writer.getText('body')
    body.insert(0, Array.from({ length: 2000 }, (_, i) => `paragraph ${i} of the note`).join('\n') + '\n')
    body.format(0, 9, { strong: true })
    const reader = Doc.load(writer.encodeState(), { replicaId: 2 })
    const { view, replaced } = mount(schema, reader)
    writer.on('delta', (bytes) => reader.applyDelta(bytes))
    replaced.length = 0
    body.insert(body.toString().indexOf('paragraph 1000') + 4, 'Z')
    const block = BlockStarts.of(view.state.doc).node(1000)
    expect(block.textContent).toBe('paraZgraph 1000 of the note')
    // One step, and what it replaced is at most the one block it changed.
    expect(replaced.length).toBe(1)
    expect(replaced[0]).toBeLessThanOrEqual(block.nodeSize)
  })
})
