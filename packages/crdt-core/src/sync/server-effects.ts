import type { VersionVector } from '../version-vector.js'
import type { DotRange } from '../delta/types.js'
import type { SyncErrorCode } from './sync-error.js'
import type { StrongRequest } from './messages/strong.js'

/** Connection id chosen by the server shell: a positive safe integer, unique among live connections (also the presence peer id). */
export type ConnectionId = number

/**
 * What a {@link SyncServer} asks its shell to do. Each effect that needs an
 * answer names the input to call back.
 */
export type ServerEffect =
  /** Write a frame to one connection. */
  | { readonly type: 'send'; readonly conn: ConnectionId; readonly frame: Uint8Array }
  /**
   * Fan-out ([FAN-1], [PRES-1]): deliver one frame to every listed connection. The only multi-recipient
   * path. `message` says what the frame (or frame part, [PART-1]) carries, for metrics.
   */
  | {
      readonly type: 'broadcast'
      readonly doc: string
      readonly frame: Uint8Array
      readonly to: readonly ConnectionId[]
      readonly message: 'delta' | 'presence'
    }
  /** Close a connection (after sending what was queued); `code` is why. Then calling `disconnect` is optional. */
  | { readonly type: 'close'; readonly conn: ConnectionId; readonly code: SyncErrorCode | 'normal'; readonly reason: string }
  /** Only without a synchronous `authenticate` option: check the token, then call `authenticated(conn, result)`. */
  | { readonly type: 'authenticate'; readonly conn: ConnectionId; readonly token: string; readonly clientName: string }
  /** Read the doc from the store (snapshot and log after it), then call `loaded(doc, ...)` or `loadFailed(doc)`. */
  | { readonly type: 'load'; readonly doc: string }
  /** The doc left memory (no subscribers, nothing in flight). */
  | { readonly type: 'unload'; readonly doc: string }
  /**
   * Append `bytes` to the doc's durable log, then call `persisted(id, serverSeq)`
   * or `persistFailed(id)` ([ACK-1]); `persistFailed(id, 'replica-owned')` when
   * the store refused it for its replica ([BIND-1]).
   */
  | {
      readonly type: 'persist'
      readonly id: number
      readonly doc: string
      readonly bytes: Uint8Array
      readonly ranges: readonly DotRange[]
      /** The writer's identity ([BIND-1]): the store binds the replicas this delta adds to it, or refuses. */
      readonly owner?: string
    }
  /**
   * A delta became durable (in issue order). A single node can ignore it; with
   * several nodes on one store, carry it to the others' `relayed()` ([FAN-2]).
   */
  | { readonly type: 'durable'; readonly doc: string; readonly serverSeq: number; readonly delta: Uint8Array }
  /**
   * [STRONG-2] Run one strong operation on the server's `StrongOps`, then call
   * `strongAnswered(conn, id, result or failure)`. Authorized and bounded already.
   */
  | { readonly type: 'strong'; readonly conn: ConnectionId; readonly id: number; readonly request: StrongRequest }
  /** A frame was refused with an error (for logs and metrics); the error frame is already in a `send`. */
  | { readonly type: 'refused'; readonly conn: ConnectionId; readonly code: SyncErrorCode; readonly message: string; readonly doc?: string }
  /** [DIG-2] equal version vectors, different digests; the server sent its state to heal. */
  | {
      readonly type: 'divergence'
      readonly conn: ConnectionId
      readonly doc: string
      readonly vv: VersionVector
      readonly serverHash: string
      readonly clientHash: string
    }
