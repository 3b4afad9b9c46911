import { TextSelection } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'

/**
 * Typed characters inserted by an editor transaction (ProseMirror's
 * `handleKeyPress` prop) in the task after their keypress, which is
 * cancelled, so the browser's own editing command never runs.
 *
 * - ProseMirror otherwise lets the browser insert the character into its DOM
 *   and reads the change back. In a 1 MB note that path cost 55-65 ms of
 *   main-thread work per key against 43-45 for a transaction
 *   (bench/results/editor.md): the trace put 22-33 ms in the keypress's
 *   native event dispatch, where the editing command runs.
 * - Not during the keypress: a selection set while Chromium handles an input
 *   event is synced to the browser with the editable element's whole text
 *   (for the IME), about 20 ms at 1 MB wherever the caret is; set in the next
 *   task, 1 ms.
 *
 * Characters waiting for that task are inserted first whenever anything
 * else could act on the editor (another key that is not a character, a
 * click, a paste, a composition), so they always land in typing order.
 * Compositions (IME, dead keys) never reach the keypress, and text input
 * rules still see every character first, as they would on the browser's path.
 */
export class TypedText {
  private pending: string[] = []
  private timer: ReturnType<typeof setTimeout> | undefined

  /** The `handleKeyPress` prop: takes a plain character typed into a text selection inside one block. */
  readonly keyPress = (view: EditorView, event: KeyboardEvent): boolean => {
    const sel = view.state.selection
    // Other selections (a node, a range across blocks) take ProseMirror's own path, which already does this.
    if (!(sel instanceof TextSelection) || !sel.$from.sameParent(sel.$to) || !sel.$from.parent.inlineContent) return false
    const text = String.fromCharCode(event.charCode)
    if (text === '' || /[\r\n]/.test(text)) return false
    this.pending.push(text)
    this.timer ??= setTimeout(() => this.flush(view), 0)
    return true
  }

  /** A `handleKeyDown` prop: another character key keeps its place in the queue; any other key waits for it. */
  readonly keyDown = (view: EditorView, event: KeyboardEvent): boolean => {
    const character = event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey
    if (!character) this.flush(view)
    return false
  }

  /** Inserts the characters waiting, one transaction each, as their keypresses would have. */
  flush(view: EditorView): void {
    clearTimeout(this.timer)
    this.timer = undefined
    for (const text of this.pending.splice(0)) {
      if (view.isDestroyed) return
      const sel = view.state.selection
      const insert = () => view.state.tr.insertText(text).scrollIntoView()
      if (!view.someProp('handleTextInput', (f) => f(view, sel.from, sel.to, text, insert))) view.dispatch(insert())
    }
  }

  /** Drops what is waiting (the editor is going away). */
  destroy(): void {
    clearTimeout(this.timer)
    this.pending = []
  }
}
