import { TextSelection } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'

/**
 * A typed character inserted by an editor transaction (ProseMirror's
 * `handleKeyPress` prop): the keypress is then cancelled, so the browser's
 * own editing command never runs. ProseMirror otherwise lets the browser
 * insert the character into its DOM and reads the change back. In a 1 MB
 * note that path cost 55-65 ms of main-thread work per key and this one 43-45
 * (bench/results/editor.md; the trace put 22-33 ms of it in the keypress's
 * native event dispatch, where the editing command runs). A transaction
 * changes one text node instead. Compositions (IME, dead keys)
 * never reach this prop, and text input rules still see every character
 * first, as they would on the browser's path.
 */
export function insertTypedText(view: EditorView, event: KeyboardEvent): boolean {
  const sel = view.state.selection
  // Other selections (a node, a range across blocks) take ProseMirror's own path, which already does this.
  if (!(sel instanceof TextSelection) || !sel.$from.sameParent(sel.$to) || !sel.$from.parent.inlineContent) return false
  const text = String.fromCharCode(event.charCode)
  if (text === '' || /[\r\n]/.test(text)) return false
  const insert = () => view.state.tr.insertText(text).scrollIntoView()
  if (!view.someProp('handleTextInput', (f) => f(view, sel.from, sel.to, text, insert))) view.dispatch(insert())
  return true
}
