import type { WeftStorageError } from '../errors.js'
import { covers, type ReplicaDoc } from '../replica-doc.js'
import type { DocMeta, JournalEntry, OutboxEntry, Storage } from '../storage/types.js'
import type { Timers } from '../timers.js'
import { LOCAL_STORAGE_ORIGIN, compactDoc, joinSnapshotAndLog, shouldCompact, type CompactionPolicy } from './compaction.js'
import { WriteQueue } from './write-queue.js'

export interface LocalReplicaOptions {
  storage: Storage
  docId: string
  doc: ReplicaDoc
  timers: Timers
  compaction?: CompactionPolicy
  retryBaseMs?: number
  retryMaxMs?: number
  onError(error: WeftStorageError): void
  onRecovered(): void
  /** Something that status depends on changed (pending writes, errors). */
  onChange(): void
}

/**
 * How long an outbox ack waits to be merged with the next ones. The server
 * acks each keystroke; trimming each at once cost an IndexedDB transaction per
 * key. A trim the page never gets to only makes the next session upload those
 * deltas again, which the server joins idempotently.
 */
export const ACK_DELAY_MS = 1000

/**
 * Most bytes of received deltas one journal entry carries ([CLIENT-STORE-JOURNAL-4]).
 * The first keystroke after a large catch-up would otherwise copy all of it into the
 * journal in the keystroke's task; past this, the received deltas' causal safety rests
 * on their ordered write and on the server, which stores a delta before it fans it out.
 */
export const MAX_CARRIED_BYTES = 1 << 20

interface PendingAck {
  upTo: number
  serverSeq: number
  readonly waiters: { resolve(meta: DocMeta): void; reject(e: unknown): void }[]
}

/** What a load found: the stored outbox (other sessions' unacked deltas) and this session's claimed seq block. */
export interface LoadedOutbox {
  /** The seq before the first of this session's block ([CLIENT-OUT-2]). */
  readonly base: number
  /** Unacked local deltas of earlier or other sessions, ascending seq. */
  readonly outbox: readonly OutboxEntry[]
}

/**
 * One doc's local persistence: loads it from storage into the Doc, writes
 * deltas in order (retrying failures), acks the outbox and compacts the log.
 */
export class LocalReplica {
  private readonly queue: WriteQueue
  private compactionQueued = false
  private onLoadError: (() => void) | undefined
  private readonly opts: LocalReplicaOptions
  /** Acks waiting to be written, by the `after` of their range: a session's acks share it and merge. */
  private readonly acks = new Map<number, PendingAck>()
  private ackTimer: unknown
  /**
   * Received deltas whose ordered write has not happened and that no journal entry carries
   * yet, oldest first: the next local delta's entry carries them ([CLIENT-STORE-JOURNAL-4]).
   * Once carried, the entry that carries them outlives their write (its drop follows its own
   * ordered write, which is queued after theirs), so later entries need not carry them again.
   */
  private uncarried: Uint8Array[] = []

  constructor(opts: LocalReplicaOptions) {
    this.opts = opts
    this.queue = new WriteQueue({
      timers: opts.timers,
      ...(opts.retryBaseMs !== undefined && { retryBaseMs: opts.retryBaseMs }),
      ...(opts.retryMaxMs !== undefined && { retryMaxMs: opts.retryMaxMs }),
      onError: (e) => {
        this.onLoadError?.()
        opts.onError(e)
      },
      onRecovered: opts.onRecovered,
      onChange: opts.onChange,
    })
  }

  /** Writes queued or retrying. */
  get pendingWrites(): number {
    return this.queue.pending
  }
  get error(): WeftStorageError | undefined {
    return this.queue.error
  }

  /**
   * Load the stored doc into `doc`. Resolves with the stored outbox once
   * loaded, or with `undefined` at the first failure: the load keeps retrying
   * in the background and `onLoaded` receives the outbox when it succeeds.
   */
  load(onLoaded: (loaded: LoadedOutbox) => void): Promise<LoadedOutbox | undefined> {
    return new Promise((resolve) => {
      let settled = false
      this.onLoadError = () => {
        this.onLoadError = undefined
        settled = true
        resolve(undefined)
      }
      this.queue
        .enqueue(async (): Promise<LoadedOutbox> => {
          // Load, then claim: the claim goes above every outbox row the load saw, so the
          // restored outbox lies below this session's block ([CLIENT-OUT-4]). Claimed first,
          // another tab could write rows in a newer block in between, and the session,
          // handed rows above its own seqs, would never send its own deltas.
          const stored = await this.opts.storage.load(this.opts.docId)
          const base = await this.opts.storage.claimSeqBlock(this.opts.docId)
          joinSnapshotAndLog(this.opts.doc, stored)
          // Local edits of a page that closed before their ordered write: into
          // the doc (the sync handshake uploads what the server lacks) and on
          // into the log and outbox, which also clears their journal entries.
          const journal = this.unwritten(stored.journal ?? [])
          for (const j of journal) this.queue.push(() => this.opts.storage.appendLocal(this.opts.docId, j.seq, j.bytes))
          this.maybeCompact(stored.meta)
          const all = journal.length === 0 ? stored.outbox : [...stored.outbox, ...journal].sort((a, b) => a.seq - b.seq)
          // A row above the block can only be one acked (and dropped) between the load and the claim.
          const outbox = all.filter((e) => e.seq <= base)
          return { base, outbox }
        })
        .then(
          (outbox) => {
            this.onLoadError = undefined
            if (settled) onLoaded(outbox)
            else {
              settled = true
              resolve(outbox)
            }
          },
          () => {
            this.onLoadError = undefined
            if (!settled) resolve(undefined) // closed before loading
            settled = true
          },
        )
    })
  }

  /**
   * Joins what storage holds now into the doc, claiming and writing nothing;
   * true when it brought a dot the doc lacked. For a gap in another tab's
   * delta ([CLIENT-TAB-8]): a tab that stored its edits and died before
   * posting them left them only on disk. Journal entries (edits of a page
   * that closed before their ordered write) are joined too; the next load
   * writes them on.
   */
  async joinStored(): Promise<boolean> {
    const { storage, docId, doc } = this.opts
    const stored = await storage.load(docId)
    const vv = doc.versionVector()
    joinSnapshotAndLog(doc, stored)
    for (const j of stored.journal ?? []) {
      for (const bytes of j.received ?? []) doc.applyDelta(bytes, LOCAL_STORAGE_ORIGIN)
      doc.applyDelta(j.bytes, LOCAL_STORAGE_ORIGIN)
    }
    return !covers(vv, doc.versionVector())
  }

  /**
   * Applies the journal after the stored log and keeps the entries whose
   * write never happened. An entry whose write did happen (only its journal
   * drop was missed) brings no new dot: every local transaction has at least
   * one, deletes included. It is dropped now instead of being written twice.
   */
  private unwritten(journal: readonly JournalEntry[]): JournalEntry[] {
    const { storage, docId } = this.opts
    const kept: JournalEntry[] = []
    for (const j of journal) {
      // Received deltas the entry carries whose write never happened: into the doc, and on into the log.
      for (const bytes of j.received ?? []) if (this.bringsNew(bytes)) this.queue.push(() => storage.appendRemote(docId, bytes))
      if (this.bringsNew(j.bytes)) kept.push(j)
      else storage.dropJournal?.(docId, j.seq)
    }
    return kept
  }

  /** Applies a stored delta; whether it brought a dot the doc lacked (or waits for one). */
  private bringsNew(bytes: Uint8Array): boolean {
    const { doc } = this.opts
    const vv = doc.versionVector()
    const pending = doc.pendingCount
    doc.applyDelta(bytes, LOCAL_STORAGE_ORIGIN)
    return doc.pendingCount !== pending || !covers(vv, doc.versionVector())
  }

  /** Persist a local delta to log + outbox under the session's `seq`; resolves once written. */
  saveLocal(seq: number, bytes: Uint8Array): Promise<void> {
    // Journal first, in this same task: the queued write below may still be
    // waiting when the page closes, the journal entry is already on its way.
    // It carries the received deltas this edit may build on whose write has
    // not happened yet ([CLIENT-STORE-JOURNAL-4]).
    const received = this.takeUncarried()
    this.opts.storage.journal?.(this.opts.docId, seq, bytes, received)
    return this.queue.enqueue(() => this.opts.storage.appendLocal(this.opts.docId, seq, bytes).then(this.compactAfterWrite))
  }

  /**
   * Persist a delta that came from the server, in order after the writes
   * queued before it. Nothing to await (`whenWritten` covers it); a failure
   * is retried like every write.
   */
  saveRemote(bytes: Uint8Array, serverSeq?: number): void {
    this.uncarried.push(bytes)
    // Runs per received delta: a plain promise chain, no async function around it.
    this.queue.push(() =>
      this.opts.storage.appendRemote(this.opts.docId, bytes, serverSeq).then((written) => {
        // Writes land in arrival order, and a take empties the list: an uncarried delta is its head.
        if (this.uncarried[0] === bytes) this.uncarried.shift()
        this.compactAfterWrite(written)
      }),
    )
  }

  /** The received deltas no journal entry carries yet, up to {@link MAX_CARRIED_BYTES}; none are left uncarried after. */
  private takeUncarried(): Uint8Array[] | undefined {
    if (this.uncarried.length === 0) return undefined
    const taken = this.uncarried
    this.uncarried = []
    let size = 0
    for (const b of taken) size += b.byteLength
    return size <= MAX_CARRIED_BYTES ? taken : undefined
  }

  /**
   * Drop outbox entries with `after < seq <= upTo` once the server acked them.
   * Written within {@link ACK_DELAY_MS}, merged with the acks that follow it
   * from the same `after` (or at once by {@link flushAcks}).
   */
  ackOutbox(after: number, upTo: number, serverSeq = 0): Promise<DocMeta> {
    return new Promise((resolve, reject) => {
      const pending = this.acks.get(after)
      if (pending) {
        pending.upTo = Math.max(pending.upTo, upTo)
        pending.serverSeq = Math.max(pending.serverSeq, serverSeq)
        pending.waiters.push({ resolve, reject })
      } else this.acks.set(after, { upTo, serverSeq, waiters: [{ resolve, reject }] })
      this.ackTimer ??= this.opts.timers.setTimeout(this.flushAcks, ACK_DELAY_MS)
    })
  }

  /** Queues the acks still waiting for their delay (before closing, or to read the outbox they trim). */
  readonly flushAcks = (): void => {
    if (this.ackTimer !== undefined) this.opts.timers.clearTimeout(this.ackTimer)
    this.ackTimer = undefined
    const { docId, storage } = this.opts
    for (const [after, ack] of this.acks) {
      this.queue
        .enqueue(() => storage.ackOutbox(docId, after, ack.upTo, ack.serverSeq))
        .then(
          (meta) => {
            for (const w of ack.waiters) w.resolve(meta)
          },
          (e: unknown) => {
            for (const w of ack.waiters) w.reject(e)
          },
        )
    }
    this.acks.clear()
  }

  /** Resolves once every write queued so far is in storage. */
  whenWritten(): Promise<void> {
    return this.queue.idle()
  }

  retryNow(): void {
    this.queue.retryNow()
  }

  close(): void {
    // Acks not yet queued are rejected with the queue's own error, like the writes in it.
    this.flushAcks()
    this.queue.close()
  }

  private readonly compactAfterWrite = (r: { readonly meta: DocMeta }): void => this.maybeCompact(r.meta)

  private maybeCompact(meta: DocMeta): void {
    if (this.compactionQueued || !shouldCompact(meta, this.opts.compaction)) return
    this.compactionQueued = true
    this.queue
      .enqueue(() => compactDoc(this.opts.storage, this.opts.docId, this.opts.doc))
      .finally(() => (this.compactionQueued = false))
      .catch(() => undefined) // only fails when closed
  }
}
