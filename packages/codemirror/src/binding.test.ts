// @vitest-environment jsdom
import { EditorSelection, EditorState } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { Doc, seededRandom } from '@weft/crdt-core'
import { afterEach, describe, expect, it } from 'vitest'
import { weftBinding, weftCodemirror, weftRedo, weftUndo } from './binding.js'
import { type RemoteCursor, weftRemoteCursors } from './remote-cursors.js'

const views: EditorView[] = []
afterEach(() => {
  for (const v of views.splice(0)) v.destroy()
})

/** An editor bound to `doc`'s text 'body'. */
function editor(doc: Doc, extra: Parameters<typeof EditorState.create>[0] = {}) {
  const text = doc.getText('body')
  const view = new EditorView({
    parent: document.body,
    state: EditorState.create({ doc: text.toString(), ...extra, extensions: [weftCodemirror(doc, text, { captureTimeout: 0 }), extra.extensions ?? []] }),
  })
  views.push(view)
  return { doc, text, view }
}

/** Two replicas whose deltas are delivered when `sync()` is called (as a network would, later). */
function pair() {
  const a = editor(new Doc({ replicaId: 1 }))
  const b = editor(new Doc({ replicaId: 2 }))
  const sync = () => {
    b.doc.applyDelta(a.doc.encodeDeltaSince(b.doc.versionVector()))
    a.doc.applyDelta(b.doc.encodeDeltaSince(a.doc.versionVector()))
  }
  return { a, b, sync }
}

const type = (view: EditorView, at: number, insert: string) =>
  view.dispatch({ changes: { from: at, insert }, selection: { anchor: at + insert.length }, userEvent: 'input.type' })
const caret = (view: EditorView) => view.state.selection.main.head

describe('@weft/codemirror binding', () => {
  it('local edits reach the other editor, as one Weft transaction each, and concurrent ones converge', () => {
    const { a, b, sync } = pair()
    type(a.view, 0, 'hello world')
    sync()
    expect(b.view.state.doc.toString()).toBe('hello world')
    type(a.view, 5, ',')
    b.view.dispatch({ changes: { from: 6, to: 11, insert: 'there' } })
    sync()
    expect(a.view.state.doc.toString()).toBe(a.text.toString())
    expect(b.view.state.doc.toString()).toBe(a.view.state.doc.toString())
    expect(a.view.state.doc.toString()).toBe('hello, there')
  })

  it('a remote change is applied as a change, not a reload, and sends nothing back', () => {
    const { a, b, sync } = pair()
    type(a.view, 0, 'abc')
    sync()
    const deltas: Uint8Array[] = []
    b.doc.on('delta', (d) => deltas.push(d))
    const changes: string[] = []
    const spy = EditorView.updateListener.of((u) => u.changes.iterChanges((fa, ta, _fb, _tb, ins) => changes.push(`${fa}-${ta}:${ins}`)))
    const c = editor(b.doc, { extensions: spy })
    type(a.view, 1, 'X')
    sync()
    expect(c.view.state.doc.toString()).toBe('aXbc')
    expect(changes).toEqual(['1-1:X'])
    expect(deltas).toEqual([]) // no echo: the editors on b produced no edit of their own
  })

  it('a remote insert before the caret moves it along; one after it leaves it', () => {
    const { a, b, sync } = pair()
    type(a.view, 0, 'one two three')
    sync()
    b.view.dispatch({ selection: { anchor: 4 } }) // before "two"
    type(a.view, 0, '>> ')
    sync()
    expect(caret(b.view)).toBe(7)
    type(a.view, a.view.state.doc.length, '!')
    sync()
    expect(caret(b.view)).toBe(7)
    expect(b.view.state.doc.toString()).toBe('>> one two three!')
  })

  it('[16.1] two people typing at the same spot: each caret stays after its own characters', () => {
    const { a, b, sync } = pair()
    type(a.view, 0, 'line\n')
    sync()
    a.view.dispatch({ selection: { anchor: 0 } })
    b.view.dispatch({ selection: { anchor: 0 } })
    for (const [x, y] of [
      ['H', 'H'],
      ['e', 'i'],
      ['l', ' '],
      ['l', 'a'],
      ['o', 'g'],
    ] as const) {
      type(a.view, caret(a.view), x)
      type(b.view, caret(b.view), y)
      sync()
    }
    const result = a.view.state.doc.toString()
    expect(b.view.state.doc.toString()).toBe(result)
    // Each run stays whole: neither person's caret jumped in front of their own text.
    expect(['HelloHi ag', 'Hi agHello'].map((s) => `${s}line\n`)).toContain(result)
    expect(result.slice(caret(a.view) - 5, caret(a.view))).toBe('Hello')
    expect(result.slice(caret(b.view) - 5, caret(b.view))).toBe('Hi ag')
  })

  it('a remote delete around the selection collapses it where the text was', () => {
    const { a, b, sync } = pair()
    type(a.view, 0, 'keep DELETE keep')
    sync()
    b.view.dispatch({ selection: EditorSelection.single(6, 9) })
    a.view.dispatch({ changes: { from: 4, to: 11 } })
    sync()
    expect(b.view.state.doc.toString()).toBe('keep keep')
    expect(b.view.state.selection.main.from).toBe(b.view.state.selection.main.to)
    expect(caret(b.view)).toBe(4)
  })

  it('undo takes back only this editor’s own changes; redo brings them back', () => {
    const { a, b, sync } = pair()
    type(a.view, 0, 'mine ')
    sync()
    type(b.view, 5, 'theirs')
    sync()
    expect(a.view.state.doc.toString()).toBe('mine theirs')
    expect(weftBinding(a.view)?.canUndo).toBe(true)
    expect(weftUndo(a.view)).toBe(true)
    expect(a.view.state.doc.toString()).toBe('theirs')
    sync()
    expect(b.view.state.doc.toString()).toBe('theirs')
    expect(weftUndo(a.view)).toBe(false) // nothing of a's left to undo: b's edit stays
    expect(weftRedo(a.view)).toBe(true)
    sync()
    expect(b.view.state.doc.toString()).toBe('mine theirs')
  })

  it('a remote change during IME composition waits for its end; typing meanwhile lands where it was typed', async () => {
    const { a, b, sync } = pair()
    type(a.view, 0, 'abc def')
    sync()
    b.view.contentDOM.dispatchEvent(new CompositionEvent('compositionstart'))
    type(a.view, 0, '123 ')
    sync()
    expect(b.view.state.doc.toString()).toBe('abc def') // held back: the IME's text is not rewritten
    type(b.view, 3, 'XY') // composed text, after "abc"
    expect(b.text.toString()).toBe('123 abcXY def') // mapped past the held-back change
    b.view.contentDOM.dispatchEvent(new CompositionEvent('compositionend'))
    await new Promise((r) => setTimeout(r, 5))
    expect(b.view.state.doc.toString()).toBe('123 abcXY def')
    sync()
    expect(a.view.state.doc.toString()).toBe('123 abcXY def')
  })

  it('an editor opened on a text shows it; one opened empty over an empty text writes nothing', async () => {
    const doc = new Doc()
    doc.getText('body').insert(0, 'stored')
    const e = editor(doc)
    expect(e.view.state.doc.toString()).toBe('stored')
    // Created with other content than the text's: corrected right after construction.
    const stale = editor(doc, { doc: 'stale!' })
    await Promise.resolve()
    expect(stale.view.state.doc.toString()).toBe('stored')
    expect(doc.getText('body').toString()).toBe('stored')
  })

  it('converges under random concurrent edits in both editors, synced at random moments (seeded)', () => {
    for (let run = 0; run < 20; run++) {
      const seed = 1000 + run
      const random = seededRandom(seed)
      const { a, b, sync } = pair()
      try {
        for (let step = 0; step < 60; step++) {
          const e = random() < 0.5 ? a : b
          const len = e.view.state.doc.length
          const from = Math.floor(random() * (len + 1))
          if (random() < 0.3 && len > 0) {
            const to = Math.min(len, from + 1 + Math.floor(random() * 4))
            e.view.dispatch({ changes: { from: Math.min(from, len - 1), to } })
          } else {
            e.view.dispatch({ changes: { from, insert: 'abcdefgh'.slice(0, 1 + Math.floor(random() * 3)) }, selection: { anchor: from } })
          }
          if (random() < 0.1) e.view.dispatch({ selection: { anchor: Math.floor(random() * (e.view.state.doc.length + 1)) } })
          if (random() < 0.25) sync()
          expect(e.view.state.doc.toString(), `seed ${seed}`).toBe(e.text.toString())
        }
        sync()
        expect(a.view.state.doc.toString(), `seed ${seed}`).toBe(a.text.toString())
        expect(b.view.state.doc.toString(), `seed ${seed}`).toBe(a.view.state.doc.toString())
      } finally {
        a.view.destroy()
        b.view.destroy()
      }
    }
  })

  it('draws others’ carets and selections where their stable cursors are, following edits', () => {
    const { a, b, sync } = pair()
    type(a.view, 0, 'hello world')
    sync()
    let cursors: RemoteCursor[] = []
    const listeners = new Set<() => void>()
    const source = {
      current: () => cursors,
      subscribe: (l: () => void) => {
        listeners.add(l)
        return () => void listeners.delete(l)
      },
    }
    const viewer = editor(b.doc, { extensions: weftRemoteCursors(source) })
    // Alice (editor a) selects "hello" and publishes her selection as stable cursors.
    a.view.dispatch({ selection: EditorSelection.single(0, 5) })
    const mine = weftBinding(a.view)!.selectionCursors()
    cursors = [{ id: 'alice', name: 'Alice', color: '#c03', head: mine.head, anchor: mine.anchor }]
    for (const l of listeners) l()
    const caretEl = () => viewer.view.contentDOM.querySelector<HTMLElement>('.cm-weft-caret')
    expect(caretEl()?.dataset.caretOf).toBe('Alice')
    expect(viewer.view.contentDOM.querySelector('.cm-weft-selection')?.textContent).toBe('hello')
    expect(viewer.view.posAtDOM(caretEl()!)).toBe(5)
    // Text typed before the cursor moves it with its character.
    type(a.view, 0, '>> ')
    sync()
    expect(viewer.view.posAtDOM(caretEl()!)).toBe(8)
    cursors = []
    for (const l of listeners) l()
    expect(caretEl()).toBeNull()
  })
})

describe('[MOVE-1] moving lines', () => {
  /** The change CodeMirror's moveLineUp makes for the caret's line: the line above is deleted and put back below it. */
  function moveLineUp(view: EditorView): void {
    const state = view.state
    const line = state.doc.lineAt(state.selection.main.head)
    const above = state.doc.line(line.number - 1)
    const head = state.selection.main.head - above.length - 1
    view.dispatch({
      changes: [
        { from: above.from, to: line.from },
        { from: line.to, insert: state.lineBreak + above.text },
      ],
      selection: { anchor: head },
      userEvent: 'move.line',
    })
  }

  it('two editors moving one line at once leave it once; the line moved is the caret’s', () => {
    const { a, b, sync } = pair()
    type(a.view, 0, 'one\ntwo\nthree\nfour\nfive')
    sync()
    const deltas: Uint8Array[] = []
    a.doc.on('delta', (d) => deltas.push(d))
    a.view.dispatch({ selection: { anchor: 9 } }) // in "three"
    moveLineUp(a.view)
    moveLineUp(a.view)
    expect(a.view.state.doc.toString()).toBe('three\none\ntwo\nfour\nfive')
    expect(deltas).toHaveLength(2)
    // b drags "three" below "four", concurrently: a delete and an insert of the same line.
    b.view.dispatch({ selection: { anchor: 9 } })
    b.view.dispatch({
      changes: [
        { from: 8, to: 14 },
        { from: 19, insert: 'three\n' },
      ],
    })
    expect(b.view.state.doc.toString()).toBe('one\ntwo\nfour\nthree\nfive')
    sync()
    sync()
    expect(b.view.state.doc.toString()).toBe(a.view.state.doc.toString())
    expect(a.text.toString()).toBe(a.view.state.doc.toString())
    // The line once, at one of the two places (a's later move has the higher Lamport time).
    expect(a.view.state.doc.toString()).toBe('three\none\ntwo\nfour\nfive')
  })

  it('finds no move in an edit that changes text', () => {
    const { a } = pair()
    type(a.view, 0, 'one\ntwo')
    const deltas: Uint8Array[] = []
    a.doc.on('delta', (d) => deltas.push(d))
    a.view.dispatch({
      changes: [
        { from: 0, to: 4 },
        { from: 7, insert: '\nonE' },
      ],
    })
    expect(a.text.toString()).toBe('two\nonE')
  })
})
