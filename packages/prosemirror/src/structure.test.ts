// @vitest-environment jsdom
import { Doc } from '@weft/crdt-core'
import type { Node as PMNode } from 'prosemirror-model'
import { schema } from 'prosemirror-schema-basic'
import { EditorState } from 'prosemirror-state'
import { findWrapping } from 'prosemirror-transform'
import { EditorView } from 'prosemirror-view'
import { afterEach, describe, expect, it } from 'vitest'
import { WeftBindingError, docFromSpans, weftPlugin } from './index.js'
import { groupedSchema } from './schemas.test-support.js'

const views: EditorView[] = []
afterEach(() => {
  for (const v of views.splice(0)) v.destroy()
})

function editor(doc: Doc, content?: PMNode, onError?: (e: WeftBindingError) => void): EditorView {
  const state = EditorState.create({
    schema,
    ...(content ? { doc: content } : {}),
    plugins: [weftPlugin(doc, doc.getText('body'), { ...(onError && { onError }) })],
  })
  const view = new EditorView(document.body.appendChild(document.createElement('div')), { state })
  views.push(view)
  return view
}

/** Two editors on two replicas, every delta delivered at once. */
function pair(initial: PMNode, onError?: (e: WeftBindingError) => void) {
  const da = new Doc({ replicaId: 1 })
  const a = editor(da, initial, onError)
  const db = Doc.load(da.encodeState(), { replicaId: 2 })
  da.on('delta', (d) => db.applyDelta(d))
  db.on('delta', (d) => da.applyDelta(d))
  const b = editor(db)
  return { a, b, da, db }
}

const p = (...content: (string | PMNode)[]) =>
  schema.node(
    'paragraph',
    null,
    content.map((c) => (typeof c === 'string' ? schema.text(c) : c)),
  )
const docOf = (...blocks: PMNode[]) => schema.node('doc', null, blocks)
const json = (v: EditorView) => v.state.doc.toJSON()
/** What a fresh replica builds from the text: the document as stored. */
const stored = (d: Doc) => docFromSpans(schema, d.getText('body').toDelta()).toJSON()

describe('[PM-6] structure the text cannot hold', () => {
  /** An editor of the grouped schema (blocks in layout-only chunks, where nothing may nest) on its own replica. */
  function groupedEditor(d: Doc, content?: PMNode, onError?: (e: WeftBindingError) => void): EditorView {
    const state = EditorState.create({
      schema: groupedSchema,
      ...(content && { doc: content }),
      plugins: [weftPlugin(d, d.getText('body'), { ...(onError && { onError }) })],
    })
    const view = new EditorView(document.body.appendChild(document.createElement('div')), { state })
    views.push(view)
    return view
  }
  const g = groupedSchema.nodes
  const gp = (s: string) => g.paragraph!.create(null, [groupedSchema.text(s)])
  const chunkDoc = (...blocks: PMNode[]) => g.doc!.create(null, [g.chunk!.create(null, blocks)])

  it('wrapping a paragraph in a blockquote inside a group is refused with a WeftBindingError, changing neither the editor, the text nor the peer', () => {
    const errors: WeftBindingError[] = []
    const da = new Doc({ replicaId: 1 })
    const a = groupedEditor(da, chunkDoc(gp('hello'), gp('world')), (e) => errors.push(e))
    const db = Doc.load(da.encodeState(), { replicaId: 2 })
    da.on('delta', (d) => db.applyDelta(d))
    const b = groupedEditor(db)
    const before = { doc: json(a), text: da.getText('body').toDelta() }
    const range = a.state.doc.resolve(3).blockRange()!
    a.dispatch(a.state.tr.wrap(range, findWrapping(range, g.blockquote!)!))
    expect(errors.map((e) => [e.name, e.code, e.node])).toEqual([['WeftBindingError', 'unsupported-node', 'blockquote']])
    expect(errors[0]!.message).toMatch(/cannot store a "blockquote" node/)
    expect(json(a)).toEqual(before.doc)
    expect(da.getText('body').toDelta()).toEqual(before.text)
    expect(json(b)).toEqual(before.doc)
    // Typing still works afterwards.
    a.dispatch(a.state.tr.insertText('!', 7))
    expect(json(b)).toEqual(json(a))
    expect(da.getText('body').toString()).toBe('hello!\nworld\n')
  })

  it('an editor opened with content the text cannot hold on an empty text throws before writing anything', () => {
    const d = new Doc({ replicaId: 1 })
    expect(() => groupedEditor(d, chunkDoc(g.blockquote!.create(null, [gp('quoted')])))).toThrow(WeftBindingError)
    expect(d.getText('body').length).toBe(0)
  })
})

describe('inline nodes other than text', () => {
  it('a hard break and an image reach the peer as those nodes, and text typed beside them stays text', () => {
    const { a, b, da, db } = pair(docOf(p('ab')))
    a.dispatch(a.state.tr.replaceWith(2, 2, schema.nodes.hard_break.create()))
    a.dispatch(a.state.tr.replaceWith(4, 4, schema.nodes.image.create({ src: 'https://example.com/x.png', alt: 'x' })))
    expect(json(b)).toEqual(json(a))
    expect(b.state.doc.firstChild!.child(1).type.name).toBe('hard_break')
    expect(b.state.doc.firstChild!.child(3).attrs['src']).toBe('https://example.com/x.png')
    // Typed on the peer just after each node: text, not another node.
    b.dispatch(b.state.tr.insertText('X', 3))
    b.dispatch(b.state.tr.insertText('Y', 6))
    expect(json(a)).toEqual(json(b))
    expect(a.state.doc.textContent).toBe('aXbY')
    // Only the two nodes' characters carry `embed`, not what was typed beside them.
    const embeds = da
      .getText('body')
      .toDelta()
      .filter((span) => span.attributes?.['embed'] !== undefined)
    expect(embeds.map((span) => span.insert)).toEqual(['\ufffc', '\ufffc'])
    expect(stored(da)).toEqual(json(a))
    expect(stored(db)).toEqual(json(b))
  })

  it('a "\\ufffc" typed as text stays text', () => {
    const { a, b } = pair(docOf(p('ab')))
    a.dispatch(a.state.tr.insertText('\ufffc', 2))
    expect(json(b)).toEqual(json(a))
    expect(b.state.doc.textContent).toBe('a\ufffcb')
  })
})

describe('a remote text this schema cannot build as it says', () => {
  it('renders what it can (default blocks, text without the refused marks and nodes) and never throws', () => {
    const writer = new Doc({ replicaId: 7 })
    const body = writer.getText('body')
    body.insert(0, 'quoted\nunknown\nlinked\nembed\ufffc\n')
    body.format(6, 1, { block: { type: 'blockquote' } }) // holds blocks, not text
    body.format(14, 1, { block: { type: 'no-such-node' } })
    body.format(15, 6, { link: { title: 'no href' } }) // link's href is required
    body.format(27, 1, { embed: { type: 'paragraph' } }) // not an inline leaf
    const reader = Doc.load(writer.encodeState(), { replicaId: 8 })
    const view = editor(reader)
    expect(view.state.doc.childCount).toBe(4)
    expect(view.state.doc.textContent).toBe('quotedunknownlinkedembed\ufffc')
    view.state.doc.forEach((block) => expect(block.type.name).toBe('paragraph'))
    // A later change of the same text renders too.
    writer.on('delta', (d) => reader.applyDelta(d))
    body.format(0, 6, { block: null })
    body.insert(0, 'x')
    expect(view.state.doc.textContent).toBe('xquotedunknownlinkedembed\ufffc')
  })
})
