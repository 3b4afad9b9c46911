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
  /**
   * The principal writing it ([BIND-1]). Every replica whose dots this append
   * adds (a range reaching past the doc's head counter of that replica) is
   * bound to `owner` on first use, in the append's own transaction; when one
   * is bound to another owner the append is refused with
   * `ReplicaOwnedError` and changes nothing. Absent: nothing is bound or
   * checked (deltas another node or region already committed, open mode).
   */
  readonly owner?: string | undefined
}

/** One replica of a doc and the principal it is bound to ([BIND-1]). */
export interface ReplicaOwner {
  readonly replica: number
  readonly owner: string
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
  /** The doc's replica bindings ([BIND-1]), read at the same point; any order. */
  readonly owners: readonly ReplicaOwner[]
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

/**
 * A doc's compaction lease as the store records it: who holds it and its
 * fencing epoch. The epoch grows every time the lease changes hands (or is
 * taken again after it expired), so a write fenced with an older one is refused.
 */
export interface DocLease {
  readonly holder: string
  readonly epoch: number
}

/** Options of {@link Store.acquireLease}. */
export interface AcquireLeaseOptions {
  /** Who asks (a node id). */
  readonly holder: string
  /** How long the lease lasts from now, by the store's clock. */
  readonly ttlMs: number
}

/** Options of {@link Store.writeSnapshot}. */
export interface WriteSnapshotOptions {
  /** Drop logged deltas with `seq <= pruneThroughSeq` (capped at the snapshot's seq); omitted keeps the whole log. */
  readonly pruneThroughSeq?: number
  /**
   * The lease the writer holds. Checked in the write's own transaction: if the
   * doc's lease is no longer exactly this one the write is refused with
   * `FencedError` and changes nothing, so a node paused past its lease cannot
   * overwrite the work of the node that took it over.
   */
  readonly fence?: DocLease
}

/**
 * Durable storage of docs: an append-only delta log per doc plus an optional
 * snapshot, and a fenced compaction lease per doc. `runStoreContract`
 * (`@weft/server/testing`) checks every rule below; the methods are the
 * ones the server calls, plus `readSince` (catch-up by version vector, for
 * peers and audits) and `listDocs` (audits, operators).
 *
 * @example
 * ```ts
 * const store = await openSqliteStore({ path: './weft.db' })
 * const seq = await store.append('note:1', { bytes, ranges: inspectDelta(bytes).ranges })
 * const { snapshot, deltas } = await store.load('note:1')
 * ```
 */
export interface Store {
  /**
   * Appends one delta to a doc's log (creating the doc) and resolves with its
   * seq once durable. The seq is assigned inside the durable write, so any
   * number of server processes may append to one doc. Appends of one doc
   * become durable in the order they were called, and once one fails, the
   * appends of that doc called before the caller could see the failure fail
   * too ([STORE-2]): the log is always a prefix of what was issued. (Those
   * called in the same event-loop turn as the rejection may fail as well;
   * from the next turn on they are accepted again.) A rejected
   * append may still have become durable (a connection lost during COMMIT);
   * a resolved one always has.
   */
  append(doc: string, input: AppendInput): Promise<number>
  /** Deltas (and, when needed, the snapshot) that the holder of `vv` lacks. */
  readSince(doc: string, vv: VersionVector): Promise<ReadSinceResult>
  /** Logged deltas with `seq > afterSeq`, ascending. Compacted deltas are not returned. */
  readAfterSeq(doc: string, afterSeq: number): Promise<readonly DeltaRecord[]>
  /**
   * Stores a doc's snapshot (replacing an older one) and optionally prunes the
   * log it covers. Refused, changing nothing: a seq past the head
   * (`RangeError`), a seq below the stored snapshot's (`StaleSnapshotError`: a
   * snapshot never moves back over a pruned log), a fence that is not the
   * doc's current lease (`FencedError`).
   */
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
  /**
   * One page of {@link listDocs}: at most `limit` docs sorted after `after`
   * (from the first when undefined), by code unit / byte order. Audits walk
   * every doc with it in memory that does not grow with the number of docs.
   */
  listDocsAfter(after: string | undefined, limit: number): Promise<readonly string[]>
  /**
   * Takes or renews the compaction lease of an existing doc for `ttlMs`, by
   * the store's clock. Resolves with the lease when `holder` has it now
   * (same epoch when it renews a live lease of its own, a higher one
   * otherwise); `undefined` when another holder's lease is still live or the
   * doc does not exist. Durable like the log.
   */
  acquireLease(doc: string, options: AcquireLeaseOptions): Promise<DocLease | undefined>
  /** Flushes pending writes and releases resources; later calls reject. */
  close(): Promise<void>
}
