import type { OutboxEntry } from '@weft/crdt-core'
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

/**
 * Outbox seqs are the protocol session's own ([OUT-1]), stored as they are
 * ([CLIENT-OUT-1]). So that tabs writing one doc never collide, each session
 * numbers its deltas inside a block of seqs it claimed from storage
 * ([CLIENT-OUT-2]): block k holds seqs k·BLOCK + 1 … (k+1)·BLOCK. Block 0
 * holds outboxes written before storage format 3 (numbered 1…n by storage).
 */
export const OUTBOX_SEQ_BLOCK = 2 ** 28

/** The block a claim hands out: above every block claimed and the block of every stored outbox row. */
export const nextSeqBlock = (seqBlocks: number, maxOutboxSeq: number): number => Math.max(seqBlocks, Math.floor((maxOutboxSeq - 1) / OUTBOX_SEQ_BLOCK)) + 1

/**
 * The seq base of a session whose storage could not be read, so could not
 * claim a block: a random one in the upper half of the seq space. Its writes
 * land once storage is back, and later claims go above them (see
 * {@link nextSeqBlock}); two such sessions of one doc collide with odds 2^-24.
 */
export const unclaimedSeqBase = (random: () => number = Math.random): number => OUTBOX_SEQ_BLOCK * (2 ** 24 + Math.floor(random() * 2 ** 23))

/** Bookkeeping kept per doc, updated in the same transaction as the data it describes. */
export interface DocMeta {
  /** Highest log seq ever allocated (0: none). */
  readonly lastSeq: number
  /** Outbox seq blocks handed out so far (see {@link OUTBOX_SEQ_BLOCK}); the next claim gets block `seqBlocks + 1`. */
  readonly seqBlocks: number
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
  readonly seq: number
  readonly bytes: Uint8Array
  /** Received deltas whose ordered write had not happened when this one was journaled, in arrival order. */
  readonly received?: readonly Uint8Array[]
}

/** Everything stored for one doc. An unknown doc loads as empty. */
export interface StoredDoc {
  readonly snapshot: Uint8Array | undefined
  /** Journaled local deltas whose ordered write never happened (the page died first). */
  readonly journal?: readonly JournalEntry[]
  /** In seq order. */
  readonly log: readonly LogEntry[]
  /** In seq order. */
  readonly outbox: readonly OutboxEntry[]
  readonly meta: DocMeta
}

/** What a write returns: the seqs it allocated and the doc's meta after it. */
export interface AppendResult {
  readonly seq: number
  readonly meta: DocMeta
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
   * Claim a block of outbox seqs no other session (tab, run) of this doc will
   * use; resolves with the seq before the block's first ([CLIENT-OUT-2]).
   */
  claimSeqBlock(docId: string): Promise<number>
  /**
   * Append a local delta to the log AND to the outbox under `seq` (the
   * session's, stored as it is) in one transaction; then drop the journal
   * entry of `seq`, if any. That drop may be missed (the page closed in
   * between): a journal entry can outlive its write, and the load tells the
   * two apart by the delta's dots.
   */
  appendLocal(docId: string, seq: number, bytes: Uint8Array): Promise<AppendResult>
  /**
   * Records a local delta at once, before the ordered `appendLocal` gets to
   * it: a write started in the same task as the keystroke, with nothing to
   * read first and nothing to wait behind, survives the page closing right
   * after. Best effort and synchronous; storages that die with the page
   * (memory) leave it out. `received` are the received deltas still waiting
   * for their ordered write, which the local delta may build on: the entry
   * carries them, so a page that dies before their write still keeps the
   * edit's causal past ([CLIENT-STORE-JOURNAL-4]).
   */
  journal?(docId: string, seq: number, bytes: Uint8Array, received?: readonly Uint8Array[]): void
  /** Drops a journal entry whose delta the load found already stored. Best effort and synchronous, like `journal`. */
  dropJournal?(docId: string, seq: number): void
  /** Append a delta received from elsewhere (server, peer tab); `serverSeq` raises meta.serverSeq. */
  appendRemote(docId: string, bytes: Uint8Array, serverSeq?: number): Promise<AppendResult>
  /**
   * Drop outbox entries with `after < seq <= upTo` (the server acked them);
   * `serverSeq` raises meta.serverSeq. A range, not everything up to `upTo`:
   * other tabs' blocks below it are theirs to drop ([CLIENT-OUT-3]).
   */
  ackOutbox(docId: string, after: number, upTo: number, serverSeq?: number): Promise<DocMeta>
  /**
   * Replace log entries with seq <= `upTo` by `snapshot`, atomically. The caller
   * guarantees the snapshot includes every one of them. A no-op (returns false)
   * when a snapshot at or beyond `upTo` is already stored.
   */
  compact(docId: string, snapshot: Uint8Array, upTo: number): Promise<boolean>
  /** Ids of every doc with stored data. */
  listDocs(): Promise<string[]>
  /**
   * Ids of the docs holding local edits the server may lack (outbox rows or
   * journal entries), sorted; reads keys only, one step per doc. The client
   * opens those in the background to upload them, so an edit made offline
   * reaches the server without its doc being opened again. Storages without
   * it leave that to the next time each doc is opened.
   */
  docsWithOutbox?(): Promise<string[]>
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
export type { OutboxEntry }

export const EMPTY_META: DocMeta = Object.freeze({
  lastSeq: 0,
  seqBlocks: 0,
  serverSeq: 0,
  snapshotSeq: 0,
  logCount: 0,
  logBytes: 0,
  snapshotBytes: 0,
})
