/**
 * The server's durable storage, as a small async interface over bytes.
 *
 * Every method returns a promise so a networked backend (PostgreSQL) fits
 * without changing callers; callers never assume a write happened before its
 * promise resolved. Nothing the server needs lives only in memory: each doc's
 * sequence numbers and version vector are derived from what is stored here.
 */

/** replicaId -> highest counter seen: crdt-core's causal context. */
export type { VersionVector } from '@weft/crdt-core'
import type { VersionVector } from '@weft/crdt-core'

/** The dots `(from, to]` of one replica that a delta carries (as reported by crdt-core's `inspectDelta`). */
export interface DotRange {
  readonly replica: number
  readonly from: number
  readonly to: number
}

/** What a caller hands to {@link Store.append}. */
export interface AppendInput {
  /** The encoded delta, stored verbatim. */
  readonly bytes: Uint8Array
  /** The dots the delta carries; used to answer "since this version vector" and to keep the doc's head. */
  readonly ranges: readonly DotRange[]
}

/** One stored delta of a doc's log. */
export interface DeltaRecord {
  /** Per-doc server sequence number, dense from 1, ascending in append order. */
  readonly seq: number
  readonly bytes: Uint8Array
  readonly ranges: readonly DotRange[]
}

/** A folded state of a doc (crdt-core `Doc.encodeState`) covering every delta with `seq <= this.seq`. */
export interface SnapshotRecord {
  readonly bytes: Uint8Array
  readonly vv: VersionVector
  readonly seq: number
}

/** A doc's position: the highest server seq assigned and the highest dot per replica stored. */
export interface DocHead {
  readonly seq: number
  readonly vv: VersionVector
}

/** Everything needed to rebuild a doc in memory, read consistently. */
export interface LoadedDoc {
  readonly head: DocHead
  readonly snapshot: SnapshotRecord | undefined
  /** Deltas after the snapshot (all deltas when there is none), ascending by seq. */
  readonly deltas: readonly DeltaRecord[]
}

/** Answer of {@link Store.readSince}. */
export interface ReadSinceResult {
  /**
   * Present when the version vector lacks dots that compaction already folded
   * away from the log: the caller must send (or join) the snapshot as well.
   */
  readonly snapshot: SnapshotRecord | undefined
  /** Logged deltas carrying at least one dot the version vector lacks, ascending by seq. */
  readonly deltas: readonly DeltaRecord[]
}

/** Options of {@link Store.writeSnapshot}. */
export interface WriteSnapshotOptions {
  /** Drop logged deltas with `seq <= pruneThroughSeq` (capped at the snapshot's seq); omitted keeps the whole log. */
  readonly pruneThroughSeq?: number
}

/**
 * Durable storage of docs: an append-only delta log per doc plus an optional snapshot.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore({ path: './weft.db' })
 * const seq = await store.append('note:1', { bytes, ranges: inspectDelta(bytes).ranges })
 * const { snapshot, deltas } = await store.load('note:1')
 * ```
 */
export interface Store {
  /** Appends one delta to a doc's log (creating the doc) and resolves with its seq once durable. */
  append(doc: string, input: AppendInput): Promise<number>
  /** Deltas (and, when needed, the snapshot) that the holder of `vv` lacks. */
  readSince(doc: string, vv: VersionVector): Promise<ReadSinceResult>
  /** Logged deltas with `seq > afterSeq`, ascending. Compacted deltas are not returned. */
  readAfterSeq(doc: string, afterSeq: number): Promise<readonly DeltaRecord[]>
  /** Stores a doc's snapshot (replacing an older one) and optionally prunes the log it covers. */
  writeSnapshot(doc: string, snapshot: SnapshotRecord, options?: WriteSnapshotOptions): Promise<void>
  readSnapshot(doc: string): Promise<SnapshotRecord | undefined>
  /** Snapshot and the log after it, read at one consistent point. */
  load(doc: string): Promise<LoadedDoc>
  /** `{ seq: 0, vv: {} }` for an unknown doc. */
  head(doc: string): Promise<DocHead>
  /** Number of deltas currently in a doc's log (what compaction looks at). */
  logLength(doc: string): Promise<number>
  /** Every doc with a log or a snapshot, sorted. */
  listDocs(): Promise<readonly string[]>
  /** Removes a doc entirely: log, snapshot and head. */
  deleteDoc(doc: string): Promise<void>
  /** Flushes pending writes and releases resources; later calls reject. */
  close(): Promise<void>
}
