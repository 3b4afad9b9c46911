// @vitest-environment jsdom
import { Editor, Extension } from '@tiptap/core'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import StarterKit from '@tiptap/starter-kit'
import { Doc } from '@weft/crdt-core'
import { afterEach, describe, expect, it } from 'vitest'
import { weftPlugin, weftRedo, weftUndo } from './index.js'

/**
 * The binding inside TipTap, as an app adds it: one extension whose ProseMirror plugin is
 * `weftPlugin`, with TipTap's own history off (Weft's undo takes back only this editor's edits).
 * TipTap's schema is its own (camelCase node names, a task list with `checked` items, links and
 * hard breaks), so these tests also show the flat mapping holds a schema it was not written for.
 */
const editors: Editor[] = []
afterEach(() => {
  for (const e of editors.splice(0)) e.destroy()
})

function tiptap(doc: Doc): Editor {
  const weft = Extension.create({
    name: 'weft',
    addProseMirrorPlugins: () => [weftPlugin(doc, doc.getText('body'), { captureTimeout: 0 })],
    addKeyboardShortcuts: () => ({
      'Mod-z': ({ editor }) => weftUndo(editor.state, editor.view.dispatch),
      'Mod-y': ({ editor }) => weftRedo(editor.state, editor.view.dispatch),
      'Shift-Mod-z': ({ editor }) => weftRedo(editor.state, editor.view.dispatch),
    }),
  })
  const editor = new Editor({
    element: document.body.appendChild(document.createElement('div')),
    extensions: [StarterKit.configure({ undoRedo: false }), TaskList, TaskItem.configure({ nested: true }), weft],
  })
  editors.push(editor)
  return editor
}

/** Two TipTap editors on two replicas; deltas wait until `flush`, so each side edits as if offline. */
function pair() {
  const da = new Doc({ replicaId: 1 })
  const db = new Doc({ replicaId: 2 })
  const toA: Uint8Array[] = []
  const toB: Uint8Array[] = []
  da.on('delta', (d) => toB.push(d))
  db.on('delta', (d) => toA.push(d))
  const flush = () => {
    while (toA.length + toB.length > 0) {
      for (const d of toB.splice(0)) db.applyDelta(d)
      for (const d of toA.splice(0)) da.applyDelta(d)
    }
  }
  return { a: tiptap(da), b: tiptap(db), da, db, flush }
}

/** The position just inside the end of the `i`-th textblock of the editor's document. */
function endOfBlock(editor: Editor, i: number): number {
  let seen = -1
  let at = -1
  editor.state.doc.descendants((node, pos) => {
    if (at >= 0) return false
    if (node.isTextblock && ++seen === i) at = pos + 1 + node.content.size
    return !node.isTextblock
  })
  return at
}

/**
 * A key pressed with Ctrl (Mod outside macOS), as a keydown on the editor's DOM. Not TipTap's
 * `keyboardShortcut` command: that one applies the handler's transactions inside its own (as steps,
 * without their metadata), where a user's keypress reaches the handler directly.
 */
function press(editor: Editor, key: string, { shift = false } = {}): void {
  const init = {
    key: shift ? key.toUpperCase() : key,
    keyCode: key.toUpperCase().charCodeAt(0),
    ctrlKey: true,
    shiftKey: shift,
    bubbles: true,
    cancelable: true,
  }
  editor.view.dom.dispatchEvent(new KeyboardEvent('keydown', init))
}

describe('@weft/prosemirror in TipTap', () => {
  it('edits made with TipTap commands (heading, bold, link, checklist) reach the other editor and a reload', () => {
    const { a, b, da, flush } = pair()
    a.commands.setContent('<h2>Plan</h2><p>ship the sync</p>')
    flush()
    // Bold over "ship", a link over "sync", then the paragraph as a checklist item, ticked.
    const para = endOfBlock(a, 1) - 'ship the sync'.length
    a.chain()
      .setTextSelection({ from: para, to: para + 4 })
      .toggleBold()
      .run()
    a.chain()
      .setTextSelection({ from: para + 9, to: para + 13 })
      .setLink({ href: 'https://example.com/sync' })
      .run()
    a.chain().setTextSelection(para).toggleTaskList().run()
    a.chain()
      .command(({ tr }) => {
        let item = -1
        tr.doc.descendants((node, pos) => {
          if (node.type.name === 'taskItem') item = pos
          return item < 0
        })
        tr.setNodeAttribute(item, 'checked', true)
        return true
      })
      .run()
    flush()

    expect(b.getJSON()).toEqual(a.getJSON())
    expect(a.getHTML()).toContain('<strong>ship</strong>')
    expect(a.getHTML()).toContain('href="https://example.com/sync"')
    expect(a.getHTML()).toContain('data-checked="true"')
    // What the text stores opens as the same document in a third editor, on a reloaded replica.
    const reloaded = tiptap(Doc.load(da.encodeState(), { replicaId: 3 }))
    expect(reloaded.getJSON()).toEqual(a.getJSON())
  })

  it('concurrent offline edits, typing at a bold edge among them, converge in both editors', () => {
    const { a, b, flush } = pair()
    a.commands.setContent('<p>one <strong>bold</strong> two</p><p>second line</p>')
    flush()
    // Offline on both sides: A types at the end of the bold word (bold grows), B makes line 2 a heading and types in line 1.
    const boldEnd = endOfBlock(a, 0) - ' two'.length
    a.chain().setTextSelection(boldEnd).insertContent('er').run()
    b.chain().setTextSelection(endOfBlock(b, 1)).toggleHeading({ level: 3 }).run()
    b.chain().setTextSelection(endOfBlock(b, 0)).insertContent('!').run()
    flush()

    expect(a.getJSON()).toEqual(b.getJSON())
    // The empty paragraph is TipTap's (StarterKit's trailing node keeps one after a closing heading), synced as any edit.
    expect(a.getHTML()).toBe('<p>one <strong>bolder</strong> two!</p><h3>second line</h3><p></p>')
  })

  it("Mod-z (weftUndo) takes back only this editor's edits; Shift-Mod-z and Mod-y (weftRedo) bring them back", () => {
    const { a, b, flush } = pair()
    a.chain().setTextSelection(1).insertContent('mine').run()
    flush()
    b.chain().setTextSelection(1).insertContent('theirs ').run()
    flush()
    expect(a.getText()).toBe('theirs mine')

    press(a, 'z')
    flush()
    expect(a.getText()).toBe('theirs ')
    expect(b.getText()).toBe('theirs ')
    press(a, 'z', { shift: true })
    flush()
    expect(b.getText()).toBe('theirs mine')
    press(a, 'z')
    press(a, 'y')
    flush()
    expect(b.getText()).toBe('theirs mine')
  })

  it("a remote render that TipTap's keyboardShortcut command captures and applies later is not sent back as a local edit", () => {
    const { a, b, da, flush } = pair()
    a.chain().setTextSelection(1).insertContent('mine').run()
    flush()
    b.chain().setTextSelection(1).insertContent('theirs ').run()
    flush()
    const sent: Uint8Array[] = []
    da.on('delta', (d) => sent.push(d))
    // The command runs the Mod-z handler inside `captureTransaction`: the binding's render of the undo is
    // held back, then applied as the command's own transaction, without the render's metadata.
    expect(a.commands.keyboardShortcut('Mod-z')).toBe(true)
    expect(a.getText()).toBe('theirs ')
    expect(sent).toHaveLength(1) // the undo itself, nothing written back after it
    flush()
    expect(b.getText()).toBe('theirs ')
    // The undo is still the last thing this editor did: redo brings the text back.
    expect(weftRedo(a.state, a.view.dispatch)).toBe(true)
    flush()
    expect(b.getText()).toBe('theirs mine')
  })
})
