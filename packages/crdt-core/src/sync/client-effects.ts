import type { JsonValue } from '../values.js'
import type { WeftSyncError } from './sync-error.js'
import type { VersionVector } from '../version-vector.js'
import type { StrongFailure, StrongResult } from './messages/strong.js'

/** Sync state of one doc on a client, for status UIs. */
export type DocSyncStatus = 'offline' | 'syncing' | 'synced'

/**
 * What a `ClientSession` asks its shell to do. The shell performs them in
 * order and reports back through the session's inputs.
 */
export type ClientEffect =
  /** Write a frame to the transport. */
  | { readonly type: 'send'; readonly frame: Uint8Array }
  /**
   * Persist a local delta (log and outbox, one transaction), then call
   * `persisted(doc, seq)`. Persists must complete in seq order ([OUT-1]).
   */
  | { readonly type: 'persist-local'; readonly doc: string; readonly seq: number; readonly bytes: Uint8Array }
  /** Optionally persist a delta received from the server (it can always be fetched again). */
  | { readonly type: 'persist-remote'; readonly doc: string; readonly bytes: Uint8Array }
  /** The server acked local deltas up to `seq`: drop them from the stored outbox ([ACK-3]). */
  | { readonly type: 'acked'; readonly doc: string; readonly seq: number; readonly serverSeq: number }
  /** The doc's sync status changed. */
  | { readonly type: 'status'; readonly doc: string; readonly status: DocSyncStatus }
  /** Another peer's presence in a doc changed; `state` null: it left ([PRES-4]). */
  | { readonly type: 'presence'; readonly doc: string; readonly peerId: number; readonly state: JsonValue | null }
  /** Equal version vectors, different digests ([DIG-2]); a heal was sent. */
  | {
      readonly type: 'divergence'
      readonly doc: string
      readonly vv: VersionVector
      readonly localHash: string
      readonly remoteHash: string
    }
  /** The server answered strong request `id` ([STRONG-2]). */
  | { readonly type: 'strong-answer'; readonly id: number; readonly answer: StrongResult | StrongFailure }
  /** The server refused something, or sent a bad frame. */
  | { readonly type: 'error'; readonly error: WeftSyncError }
  /** Close the transport (then call `disconnected()`); reconnecting is the shell's choice. */
  | { readonly type: 'close'; readonly reason: string }
