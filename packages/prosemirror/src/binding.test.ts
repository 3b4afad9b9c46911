// @vitest-environment jsdom
import { Doc, seededRandom, type TextCursor } from '@weft/crdt-core'
import { keymap } from 'prosemirror-keymap'
import type { Node as PMNode } from 'prosemirror-model'
import { schema } from 'prosemirror-schema-basic'
import { EditorState, TextSelection } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { afterEach, describe, expect, it } from 'vitest'
import { flatToPos, weftBinding, weftPlugin, weftRedo, weftUndo } from './index.js'

const views: EditorView[] = []
afterEach(() => {
  for (const v of views.splice(0)) v.destroy()
})

/** An editor on its own replica; `peer(other)` delivers every delta of one to the other as it happens. */
function editor(doc: Doc, content?: PMNode): EditorView {
  const text = doc.getText('body')
  const state = EditorState.create({
    schema,
    ...(content ? { doc: content } : {}),
    plugins: [weftPlugin(doc, text, { captureTimeout: 0 }), keymap({ 'Mod-z': weftUndo, 'Mod-y': weftRedo })],
  })
  const view = new EditorView(document.body.appendChild(document.createElement('div')), { state })
  views.push(view)
  return view
}

function link(a: Doc, b: Doc): { flush(): void } {
  const toB: Uint8Array[] = []
  const toA: Uint8Array[] = []
  a.on('delta', (d) => toB.push(d))
  b.on('delta', (d) => toA.push(d))
  return {
    flush() {
      while (toA.length + toB.length > 0) {
        for (const d of toB.splice(0)) b.applyDelta(d)
        for (const d of toA.splice(0)) a.applyDelta(d)
      }
    },
  }
}

const p = (...content: (string | PMNode)[]) =>
  schema.node(
    'paragraph',
    null,
    content.map((c) => (typeof c === 'string' ? schema.text(c) : c)),
  )
const h1 = (s: string) => schema.node('heading', { level: 1 }, [schema.text(s)])
const strong = (s: string) => schema.text(s, [schema.marks.strong.create()])

function type(view: EditorView, at: number, s: string): void {
  view.dispatch(view.state.tr.insertText(s, at))
}

function pair(initial: PMNode): { a: EditorView; b: EditorView; da: Doc; db: Doc; net: { flush(): void } } {
  const da = new Doc({ replicaId: 1 })
  const a = editor(da, initial)
  const db = Doc.load(da.encodeState(), { replicaId: 2 })
  const b = editor(db)
  const net = link(da, db)
  return { a, b, da, db, net }
}

describe('@weft/prosemirror binding', () => {
  it('mirrors blocks and marks both ways: headings, bold, links', () => {
    const { a, b, da, net } = pair(schema.node('doc', null, [h1('Title'), p('plain ', strong('bold'))]))
    expect(b.state.doc.toJSON()).toEqual(a.state.doc.toJSON())
    expect(da.getText('body').toDelta()).toEqual([
      { insert: 'Title' },
      { insert: '\n', attributes: { block: { type: 'heading', attrs: { level: 1 } } } },
      { insert: 'plain ' },
      { insert: 'bold', attributes: { strong: true } },
      { insert: '\n' },
    ])
    // b links "plain" and a types at the end of bold: both show the same document.
    b.dispatch(b.state.tr.addMark(8, 13, schema.marks.link.create({ href: 'https://x.example', title: null })))
    a.dispatch(a.state.tr.insertText('er', 18).setStoredMarks([schema.marks.strong.create()]))
    net.flush()
    expect(b.state.doc.toJSON()).toEqual(a.state.doc.toJSON())
    expect(a.state.doc.child(1).toString()).toContain('strong("bolder")')
    expect(a.state.doc.child(1).toString()).toContain('link("plain")')
  })

  it('a remote edit keeps the local selection by the characters it was at', () => {
    const { a, b, net } = pair(schema.node('doc', null, [p('hello world'), p('second line')]))
    // b selects "world" (positions 7..12).
    b.dispatch(b.state.tr.setSelection(TextSelection.create(b.state.doc, 7, 12)))
    // a types before it, in the same paragraph, and adds a paragraph above.
    type(a, 1, '>> ')
    a.dispatch(a.state.tr.insert(0, p('new first')))
    net.flush()
    const sel = b.state.selection
    expect(b.state.doc.textBetween(sel.from, sel.to)).toBe('world')
    // A remote insert exactly at the caret stays after the caret (the caret sticks to the character before it).
    b.dispatch(b.state.tr.setSelection(TextSelection.create(b.state.doc, sel.to)))
    const caret = b.state.selection.from
    type(a, a.state.doc.content.size - 1, 'zz')
    type(a, caret, 'REMOTE')
    net.flush()
    expect(b.state.selection.from).toBe(caret)
    expect(b.state.doc.textBetween(caret, caret + 6)).toBe('REMOTE')
  })

  it('[PM-4] after each remote keystroke the selection is where its cursors are, over 300 seeded keystrokes and deletes around it', () => {
    const seed = Number(process.env['WEFT_SEED'] ?? 4242)
    const random = seededRandom(seed)
    const int = (n: number) => Math.floor(random() * n)
    const { a, b, db, net } = pair(schema.node('doc', null, [p('one two three'), p('four five'), p('six seven eight nine')]))
    const text = db.getText('body')
    const where = (c: TextCursor) => flatToPos(b.state.doc, text.cursorIndex(c))
    const blockStart = (view: EditorView, block: number) => {
      let start = 1
      for (let i = 0; i < block; i++) start += view.state.doc.child(i).nodeSize
      return start
    }
    for (let step = 0; step < 300; step++) {
      if (step % 25 === 0) {
        // b selects somewhere (a caret or a range) inside one block's text.
        const block = int(b.state.doc.childCount)
        const start = blockStart(b, block)
        const size = b.state.doc.child(block).content.size
        const from = start + int(size + 1)
        const to = random() < 0.5 ? from : start + int(size + 1)
        b.dispatch(b.state.tr.setSelection(TextSelection.create(b.state.doc, from, to)))
      }
      // a types or deletes one character inside a block, often right at b's selection (whose
      // characters a's deletes may have taken).
      const sel = b.state.selection
      const block = int(a.state.doc.childCount)
      const start = blockStart(a, block)
      const size = a.state.doc.child(block).content.size
      const at = random() < 0.4 ? [sel.anchor, sel.head][int(2)]! : start + int(size + 1)
      if (random() < 0.7 || size === 0) type(a, at, 'xyz'[int(3)]!)
      else {
        const from = Math.min(Math.max(at, start), start + size - 1)
        a.dispatch(a.state.tr.delete(from, from + 1))
      }
      net.flush()
      const cursors = weftBinding(b.state)!.selectionCursors()!
      expect([b.state.selection.anchor, b.state.selection.head], `seed ${seed}, step ${step}`).toEqual([where(cursors.anchor), where(cursors.head)])
    }
    expect(b.state.doc.toJSON()).toEqual(a.state.doc.toJSON())
  })

  it('an editor opened on a note that is already there has its caret at the start, as ProseMirror puts it', () => {
    const da = new Doc({ replicaId: 1 })
    editor(da, schema.node('doc', null, [p('first line'), p('second line')]))
    const b = editor(Doc.load(da.encodeState(), { replicaId: 2 }))
    expect(b.state.doc.childCount).toBe(2)
    expect(b.state.selection.from).toBe(1)
    expect(b.state.selection.empty).toBe(true)
  })

  it('undo and redo revert only this editor’s own edits', () => {
    const { a, b, net } = pair(schema.node('doc', null, [p('base')]))
    type(a, 5, ' mine')
    net.flush()
    type(b, 1, 'theirs ')
    net.flush()
    a.dispatch(a.state.tr.addMark(1, 5, schema.marks.em.create()))
    net.flush()
    expect(a.state.doc.textContent).toBe('theirs base mine')
    // Undo the italic, then the typing: the remote "theirs " stays.
    expect(weftUndo(a.state)).toBe(true)
    expect(a.state.doc.child(0).toString()).not.toContain('em(')
    expect(weftUndo(a.state)).toBe(true)
    expect(a.state.doc.textContent).toBe('theirs base')
    net.flush()
    expect(b.state.doc.textContent).toBe('theirs base')
    expect(weftRedo(a.state)).toBe(true)
    net.flush()
    expect(b.state.doc.textContent).toBe('theirs base mine')
    expect(weftBinding(b.state)!.undo()).toBe(true)
    net.flush()
    expect(a.state.doc.textContent).toBe('base mine')
  })

  it('a remote edit during IME composition waits for the composition to end, and both edits survive', async () => {
    const { a, b, net } = pair(schema.node('doc', null, [p('abc')]))
    b.dispatch(b.state.tr.setSelection(TextSelection.create(b.state.doc, 4)))
    b.dom.dispatchEvent(new CompositionEvent('compositionstart', { data: '' }))
    expect(b.composing).toBe(true)
    const before = b.state.doc
    type(a, 1, 'remote ')
    net.flush()
    // Not applied under the composition: the editor's document is the same node.
    expect(b.state.doc).toBe(before)
    // The composition commits its text (as ProseMirror would from the DOM), then ends.
    b.dispatch(b.state.tr.insertText('日本', 4))
    b.dom.dispatchEvent(new CompositionEvent('compositionend', { data: '日本' }))
    await new Promise((r) => setTimeout(r, 150))
    expect(b.composing).toBe(false)
    net.flush()
    expect(b.state.doc.textContent).toBe('remote abc日本')
    expect(a.state.doc.textContent).toBe('remote abc日本')
    // The caret stayed after the composed text.
    expect(b.state.selection.from).toBe(1 + 'remote abc日本'.length)
  })
})

describe('an empty note opened in two places', () => {
  it('opening writes nothing, so two replicas opening it at once do not each add an empty paragraph; the first edit writes the last block its newline', () => {
    const da = new Doc({ replicaId: 1 })
    const db = new Doc({ replicaId: 2 })
    const net = link(da, db)
    const a = editor(da)
    const b = editor(db)
    net.flush()
    expect(da.getText('body').toString()).toBe('')
    expect(weftBinding(a.state)!.canUndo).toBe(false)
    type(a, 1, 'hello')
    net.flush()
    expect(da.getText('body').toString()).toBe('hello\n')
    expect(b.state.doc.toJSON()).toEqual(a.state.doc.toJSON())
    expect(b.state.doc.childCount).toBe(1)
    // Undo takes the edit back to the empty note; the editor still shows one empty paragraph.
    expect(weftUndo(a.state)).toBe(true)
    net.flush()
    expect(db.getText('body').toString()).toBe('')
    expect(b.state.doc.childCount).toBe(1)
    expect(b.state.doc.textContent).toBe('')
    expect(weftBinding(a.state)!.canUndo).toBe(false)
  })

  it('a text without its last newline (typed before the rich editor) shows its last line and gets the newline on the next edit', () => {
    const d = new Doc({ replicaId: 1 })
    d.getText('body').insert(0, 'milk\neggs')
    const v = editor(d)
    expect(v.state.doc.childCount).toBe(2)
    type(v, v.state.doc.content.size - 1, '!')
    expect(d.getText('body').toString()).toBe('milk\neggs!\n')
  })
})

describe('a keystroke in a long note', () => {
  it('[PM-2] reads only the window it changed: the whole text is never built as a string or a delta', () => {
    const doc = new Doc({ replicaId: 1 })
    const lines = Array.from({ length: 300 }, (_, i) => p(`line ${i} of a long note`, strong(' bold')))
    const view = editor(doc, schema.node('doc', null, lines))
    const text = doc.getText('body')
    const whole: string[] = []
    const realToString = text.toString.bind(text)
    const realToDelta = text.toDelta.bind(text)
    text.toString = () => {
      whole.push('toString')
      return realToString()
    }
    text.toDelta = (index?: number, length?: number) => {
      // A window (a keystroke's change event reads its one character) is fine; the whole text is not.
      if (index === undefined || length === undefined || length > 100) whole.push(`toDelta ${index}+${length}`)
      return realToDelta(index, length)
    }
    const at = 1 + lines.slice(0, 150).reduce((n, l) => n + l.nodeSize, 0) // in line 150, at its start
    type(view, at + 4, 'k')
    type(view, at + 29, 'b') // at the end of the bold run: takes the mark, as the editor says
    text.toString = realToString
    text.toDelta = realToDelta
    expect(whole).toEqual([])
    expect(text.toString().split('\n')[150]).toBe('linek 150 of a long note boldb')
    expect(text.marksAt(text.toString().indexOf('boldb') + 4)).toEqual({ strong: true })
    expect(view.state.doc.child(150).textContent).toBe('linek 150 of a long note boldb')
  })
})

describe('two people typing at one spot at once', () => {
  for (const ahead of ['A', 'B'] as const) {
    it(`[PM-1] a local edit goes where the user typed, not where a diff of the documents puts it: both type "same" at one caret, ${ahead} one key ahead, and each word stays whole`, () => {
      const { a, b, net } = pair(schema.node('doc', null, [p('milk')]))
      for (const v of [a, b]) v.dispatch(v.state.tr.setSelection(TextSelection.create(v.state.doc, 1)))
      const [first, second] = ahead === 'A' ? [a, b] : [b, a]
      const key = (v: EditorView, ch: string) => v.dispatch(v.state.tr.insertText(ch))
      // Each round both press a key at once (the one ahead its next letter), then both sync.
      const word = 'same'
      for (let i = 0; i <= word.length; i++) {
        if (i < word.length) key(first, word[i]!)
        if (i > 0) key(second, word[i - 1]!)
        net.flush()
      }
      // A diff of "s|milk" and "ss|milk" says the 's' was added after the first one, so an 's'
      // typed before a remote 's' went after it, and the words interleaved ('sameemasmilk').
      expect(a.state.doc.textContent).toBe('samesamemilk')
      expect(b.state.doc.textContent).toBe('samesamemilk')
      expect([a.state.selection.from, b.state.selection.from].sort((x, y) => x - y)).toEqual([5, 9])
    })
  }
})

describe('[MOVE-1] moving blocks', () => {
  /** Moves top-level block `index` of the view's document to before block `to` (as a drag does: delete, then insert). */
  function moveBlock(view: EditorView, index: number, to: number): void {
    const doc = view.state.doc
    const starts: number[] = []
    doc.forEach((_, offset) => starts.push(offset))
    starts.push(doc.content.size)
    const node = doc.child(index)
    const tr = view.state.tr.delete(starts[index]!, starts[index + 1]!)
    tr.insert(tr.mapping.map(starts[to]!), node)
    view.dispatch(tr)
  }

  it('two people dragging one block at once leave it once, with its marks, in both editors', () => {
    const { a, b, da, db, net } = pair(schema.node('doc', null, [h1('Title'), p('one ', strong('bold')), p('two'), p('three')]))
    moveBlock(a, 1, 4) // 'one bold' to the end
    moveBlock(b, 1, 3) // 'one bold' after 'two'
    expect(a.state.doc.child(3).textContent).toBe('one bold')
    net.flush()
    expect(a.state.doc.toJSON()).toEqual(b.state.doc.toJSON())
    const texts: string[] = []
    a.state.doc.forEach((n) => texts.push(n.textContent))
    expect(texts.filter((t) => t === 'one bold')).toHaveLength(1)
    expect(texts).toHaveLength(4)
    expect(da.getText('body').toDelta()).toEqual(db.getText('body').toDelta())
    // The bold survived the moves.
    let bold = ''
    a.state.doc.descendants((n) => {
      if (n.isText && n.marks.some((m) => m.type === schema.marks.strong)) bold += n.text
    })
    expect(bold).toBe('bold')
  })

  it('a move is one Weft move, and undo puts the block back', () => {
    const { a, b, da, net } = pair(schema.node('doc', null, [p('one'), p('two'), p('three')]))
    const deltas: Uint8Array[] = []
    da.on('delta', (d) => deltas.push(d))
    moveBlock(a, 0, 3)
    expect(deltas).toHaveLength(1)
    expect(da.getText('body').toString()).toBe('two\nthree\none\n')
    net.flush()
    expect(b.state.doc.toJSON()).toEqual(a.state.doc.toJSON())
    expect(weftUndo(a.state, a.dispatch)).toBe(true)
    expect(da.getText('body').toString()).toBe('one\ntwo\nthree\n')
    expect(a.state.doc.child(0).textContent).toBe('one')
  })
})
