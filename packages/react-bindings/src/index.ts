/**
 * @weft/react: a thin React layer over @weft/client, built on useSyncExternalStore.
 * SSR-safe: nothing here touches browser globals at import or during a server render.
 */
export { WeftProvider, useClient } from './provider.js'
export type { WeftProviderProps } from './provider.js'
export { useDoc } from './use-doc.js'
export type { UseDocResult } from './use-doc.js'
export { useDocSuspense } from './use-doc-suspense.js'
export { useDocState } from './use-doc-state.js'
export { useText } from './use-text.js'
export type { TextOps } from './use-text.js'
export { useSyncStatus } from './use-sync-status.js'
export { aggregateStatus, sameDocStatus } from './aggregate-status.js'
export { usePresence } from './use-presence.js'
export type { Peer, UsePresenceResult } from './use-presence.js'
export { useUndo } from './use-undo.js'
export type { UseUndoResult } from './use-undo.js'
export type { HandleLike } from './handle-like.js'
export { shallowEqual } from './shallow-equal.js'
export { diffText, mapCaret } from './text-diff.js'
export type { TextSplice } from './text-diff.js'
