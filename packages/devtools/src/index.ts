/**
 * @weft/devtools: see inside a running Weft app — open docs, version vectors,
 * outbox, sync state, presence and a delta log — as a React panel or from the
 * browser console. Read-only: it uses the client's public API and changes nothing.
 */
export { createInspector } from './inspector.js'
export type { DeltaLogEntry, DocView, Inspector, InspectorOptions, InspectorState } from './inspector.js'
export { WeftDevtools } from './devtools-panel.js'
export type { WeftDevtoolsProps } from './devtools-panel.js'
export { installWeftConsole } from './console-helper.js'
export type { WeftConsole, WeftConsoleOptions } from './console-helper.js'
export type { DotSpan } from './vv-diff.js'
