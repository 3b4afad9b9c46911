import type { VersionVector } from '../version-vector.js'
import type { DocSyncStatus } from './client-effects.js'
import type { OutboxEntry } from './durability.js'
import type { JsonValue } from '../values.js'
import type { SyncDoc } from './sync-doc.js'
import type { WeftSyncError } from './sync-error.js'

/** Subscription phase of a doc on the current connection. */
export type ClientDocPhase =
  | 'idle' // not subscribed on this connection (offline, or waiting to retry)
  | 'subscribing' // subscribe sent, waiting for the sync reply
  | 'live' // synced once; live deltas flow
  | 'rejected' // the server refused the doc (forbidden, too many docs); not retried on this connection

/** Everything a client session keeps per open doc. Internal. */
export interface ClientDocState {
  readonly id: string
  readonly doc: SyncDoc
  phase: ClientDocPhase
  /** Unacked local deltas, ascending seq. */
  outbox: OutboxEntry[]
  /** Highest local seq allocated. */
  lastSeq: number
  /** Every local delta up to here is persisted on this device. */
  persistedSeq: number
  /** Every local delta up to here is acked by the server. */
  ackedSeq: number
  /** The server's version vector from its sync reply, until the upload for it is sent ([OUT-5]). */
  uploadVV: VersionVector | undefined
  /** Highest seq sent on the current connection. */
  sentSeq: number
  serverSeq: number
  /** When to retry a subscribe refused with `unavailable`. */
  retryAt: number
  presence: JsonValue | null
  presenceSentAt: number
  others: Map<number, JsonValue>
  /** Version-vector key of the last digest sent on this connection. */
  digestKey: string | undefined
  /** `doc.digest()` cached for `digestKey`; cleared whenever the doc changes. */
  digestHash: string | undefined
  /** Version-vector key of the last heal sent (one heal per divergent state). */
  healKey: string | undefined
  /** When the doc last changed (for the digest quiet period). */
  changedAt: number
  lastStatus: DocSyncStatus
  /**
   * [BIND-2] this doc's writes can never be saved: the server refused its
   * replica, or holds dots of it this client never made. Acks are ignored from
   * then on (one could cover what the server lacks) and the doc is not synced.
   */
  refused: WeftSyncError | undefined
}

export function newClientDocState(id: string, doc: SyncDoc, now: number): ClientDocState {
  return {
    id,
    doc,
    phase: 'idle',
    outbox: [],
    lastSeq: 0,
    persistedSeq: 0,
    ackedSeq: 0,
    uploadVV: undefined,
    sentSeq: 0,
    serverSeq: 0,
    retryAt: 0,
    presence: null,
    presenceSentAt: 0,
    others: new Map(),
    digestKey: undefined,
    digestHash: undefined,
    healKey: undefined,
    changedAt: now,
    lastStatus: 'offline',
    refused: undefined,
  }
}

export function docStatus(d: ClientDocState): DocSyncStatus {
  if (d.phase === 'idle' || d.phase === 'rejected') return 'offline'
  if (d.phase === 'subscribing' || d.uploadVV !== undefined || d.outbox.length > 0 || d.doc.pendingCount > 0) return 'syncing'
  return 'synced'
}
