import type { VersionVector } from '../../version-vector.js'

/** Start syncing a doc; `vv` is what the sender has ([SYNC-1]). */
export interface SubscribeMessage {
  readonly type: 'subscribe'
  readonly doc: string
  readonly vv: VersionVector
}

/** Stop syncing a doc (and drop the sender's presence in it). */
export interface UnsubscribeMessage {
  readonly type: 'unsubscribe'
  readonly doc: string
}

/**
 * Server -> client answer to subscribe ([SYNC-2]): `delta` is exactly what the
 * subscriber lacks (zero bytes when nothing), `vv` what the server has, so the
 * client can upload what the server lacks ([SYNC-3]).
 */
export interface SyncMessage {
  readonly type: 'sync'
  readonly doc: string
  readonly vv: VersionVector
  readonly delta: Uint8Array
}

/**
 * One delta. Client -> server: `seq` is the client's sequence number that the
 * server acks ([ACK-1]). Server -> client (fan-out): `seq` is the server's log
 * sequence number, informational.
 */
export interface DeltaMessage {
  readonly type: 'delta'
  readonly doc: string
  readonly seq: number
  readonly delta: Uint8Array
}

/** Server -> client: every delta of this connection on `doc` with seq <= `clientSeq` is durable ([ACK-2]). */
export interface AckMessage {
  readonly type: 'ack'
  readonly doc: string
  readonly clientSeq: number
  readonly serverSeq: number
}

/** The sender's version vector and `Doc.digest()` for anti-entropy ([DIG-1]). */
export interface DigestMessage {
  readonly type: 'digest'
  readonly doc: string
  readonly vv: VersionVector
  readonly hash: string
}

/** The sender's full state (`Doc.encodeState()`), sent to heal a divergence ([DIG-3]). */
export interface HealMessage {
  readonly type: 'heal'
  readonly doc: string
  readonly state: Uint8Array
}

export type DocSyncMessage = SubscribeMessage | UnsubscribeMessage | SyncMessage | DeltaMessage | AckMessage | DigestMessage | HealMessage
