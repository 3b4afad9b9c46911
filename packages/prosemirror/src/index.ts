/**
 * @weft/prosemirror: a ProseMirror (and TipTap) editor bound to a Weft `Text`
 * with Peritext marks.
 */
export { weftPlugin, weftBinding, weftUndo, weftRedo } from './binding.js'
export type { WeftPluginOptions, WeftBinding, WeftPluginState } from './binding.js'
export { WeftBindingError } from './binding.js'
export { docFromSpans, flatRuns, flatLength, posToFlat, flatToPos, BLOCK_KEY, EMBED_KEY, PARENTS_KEY, GROUP_SIZE } from './flat.js'
