/**
 * @weft/codemirror: a CodeMirror 6 editor bound to a Weft `Text`, with undo
 * of your own edits and others' cursors.
 */
export { weftCodemirror, weftBinding, weftUndo, weftRedo, weftUndoKeymap } from './binding.js'
export type { WeftCodemirrorOptions, WeftCodemirrorBinding } from './binding.js'
export { weftRemoteCursors } from './remote-cursors.js'
export type { RemoteCursor, RemoteCursorSource } from './remote-cursors.js'
