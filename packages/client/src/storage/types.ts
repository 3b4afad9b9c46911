import type { WeftStorageError } from '../errors.js'

/**
 * The local storage interface: per-doc bytes in, bytes out, every method a
 * promise. The client never interprets the bytes; crdt-core does.
 */

/** Where a logged delta came from. */
export type LogOrigin = 'local' | 'remote'

/** One delta in a doc's local log. `seq` is allocated by the storage, unique per doc across tabs. */
export interface LogEntry {
  readonly seq: number
  readonly origin: LogOrigin
  readonly bytes: Uint8Array
}

/** A local delta not yet acked by the server. `clientSeq` is unique per doc across tabs. */
export interface OutboxEntry {
  readonly clientSeq: number
  readonly bytes: Uint8Array
}

/** Bookkeeping kept per doc, updated in the same transaction as the data it describes. */
export interface DocMeta {
  /** Highest log seq ever allocated (0: none). */
  readonly lastSeq: number
  /** Highest outbox clientSeq ever allocated (0: none). */
  readonly lastClientSeq: number
  /** Outbox entries up to this clientSeq were acked by the server and dropped. */
  readonly ackedClientSeq: number
  /** Highest server seq the server acked or sent us (0: none). */
  readonly serverSeq: number
  /** Log entries up to this seq are folded into the snapshot (0: no snapshot). */
  readonly snapshotSeq: number
  /** Number of entries and total delta bytes in the log now. */
  readonly logCount: number
  readonly logBytes: number
  /** Bytes of the current snapshot. */
  readonly snapshotBytes: number
}

/** A local delta journaled before its ordered write (see `Storage.journal`). */
export interface JournalEntry {
  readonly key: string
  readonly bytes: Uint8Array
}

/** Everything stored for one doc. An unknown doc loads as empty. */
export interface StoredDoc {
  readonly snapshot: Uint8Array | undefined
  /** Journaled local deltas whose ordered write never happened (the page died first). */
  readonly journal?: readonly JournalEntry[]
  /** In seq order. */
  readonly log: readonly LogEntry[]
  /** In clientSeq order. */
  readonly outbox: readonly OutboxEntry[]
  readonly meta: DocMeta
}

/** What a write returns: the seqs it allocated and the doc's meta after it. */
export interface AppendResult {
  readonly seq: number
  readonly meta: DocMeta
}

/** {@link AppendResult} of a local write, plus the outbox clientSeq it allocated. */
export interface AppendLocalResult extends AppendResult {
  readonly clientSeq: number
}

/**
 * Local persistence for docs. Implementations must make every method atomic:
 * several tabs may write the same doc at once and never corrupt each other.
 * Failures reject with a `WeftStorageError`.
 */
export interface Storage {
  /** Snapshot, log, outbox and meta of a doc, read in one consistent view. */
  load(docId: string): Promise<StoredDoc>
  /**
   * Append a local delta to the log AND the outbox in one transaction; with
   * `journalKey`, the journal entry of that delta is removed in it too.
   */
  appendLocal(docId: string, bytes: Uint8Array, journalKey?: string): Promise<AppendLocalResult>
  /**
   * Records a local delta at once, before the ordered `appendLocal` gets to
   * it: a write started in the same task as the keystroke, with nothing to
   * read first, survives the page closing right after. Best effort and
   * synchronous; storages that die with the page (memory) leave it out.
   */
  journal?(docId: string, key: string, bytes: Uint8Array): void
  /** Append a delta received from elsewhere (server, peer tab); `serverSeq` raises meta.serverSeq. */
  appendRemote(docId: string, bytes: Uint8Array, serverSeq?: number): Promise<AppendResult>
  /** Drop outbox entries with clientSeq <= `upTo` (cumulative ack); `serverSeq` raises meta.serverSeq. */
  ackOutbox(docId: string, upTo: number, serverSeq?: number): Promise<DocMeta>
  /**
   * Replace log entries with seq <= `upTo` by `snapshot`, atomically. The caller
   * guarantees the snapshot includes every one of them. A no-op (returns false)
   * when a snapshot at or beyond `upTo` is already stored.
   */
  compact(docId: string, snapshot: Uint8Array, upTo: number): Promise<boolean>
  /** Ids of every doc with stored data. */
  listDocs(): Promise<string[]>
  /** Remove everything stored for a doc. */
  deleteDoc(docId: string): Promise<void>
  /** Release the underlying connection; later calls reject with code 'closed'. */
  close(): Promise<void>
  /**
   * Failures that happen between calls (e.g. IndexedDB closed the connection
   * under us). The next call recovers if it can; calls that fail reject as usual.
   */
  onError?(listener: (error: WeftStorageError) => void): () => void
}

/** Meta of a doc with nothing stored. */
export const EMPTY_META: DocMeta = Object.freeze({
  lastSeq: 0,
  lastClientSeq: 0,
  ackedClientSeq: 0,
  serverSeq: 0,
  snapshotSeq: 0,
  logCount: 0,
  logBytes: 0,
  snapshotBytes: 0,
})
