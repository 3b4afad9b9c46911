import type { SyncDoc } from '@weft/crdt-core'
import type { Logger } from 'pino'
import type { ServerMetrics } from '../metrics/metrics.js'
import type { DocLease, Store } from '../store/store.js'
import { FencedError } from '../store/store-errors.js'
import { SeqWatermark } from './seq-watermark.js'

/** Options of {@link Compactor}. */
export interface CompactorOptions {
  readonly store: Store
  /** The doc in memory, or undefined once unloaded. */
  readonly docOf: (doc: string) => SyncDoc | undefined
  /** Compact when the log holds more than this many deltas. */
  readonly threshold: number
  /** Deltas left in the log after compaction. */
  readonly keepTail: number
  readonly metrics: ServerMetrics
  readonly logger: Logger
  /**
   * With several nodes: the lease to compact `doc` under (its write is fenced
   * with it), or undefined when this node should leave it to its owner.
   * `overdue` says the log is past twice the threshold. Absent: always compact.
   */
  readonly claim?: ((doc: string, options: { overdue: boolean }) => Promise<DocLease | undefined>) | undefined
}

interface Tracked {
  logLength: number
  readonly seqs: SeqWatermark
  running: boolean
  /** Seq covered by the last snapshot written here; no new one until the watermark passes it. */
  compactedSeq: number
}

/**
 * Background compaction: folds a loaded doc into a snapshot (`encodeState`)
 * once its log passes the threshold, and prunes the log but a tail. Never
 * blocks acks; a failure only leaves the log longer.
 */
export class Compactor {
  private readonly docs = new Map<string, Tracked>()
  private readonly running = new Set<Promise<void>>()
  private closed = false

  constructor(private readonly o: CompactorOptions) {
    if (!(o.keepTail < o.threshold)) throw new RangeError('compaction keepTail must be below the threshold')
  }

  /** The doc was loaded with `logLength` deltas after a snapshot covering through `seq`. */
  loaded(doc: string, logLength: number, seq: number): void {
    // An empty doc is tracked from its first append: idle docs cost nothing here.
    if (logLength === 0 && seq === 0) return
    this.docs.set(doc, track(logLength, seq))
    this.maybeCompact(doc)
  }

  /** A delta of the doc is durable as `seq` (and already in the in-memory doc, which is loaded). */
  appended(doc: string, seq: number): void {
    let t = this.docs.get(doc)
    if (!t) {
      // Not tracked: loaded empty, or dropped from memory (then there is nothing to compact).
      if (this.o.docOf(doc) === undefined) return
      t = track(0, 0)
      this.docs.set(doc, t)
    }
    t.logLength++
    t.seqs.see(seq)
    this.maybeCompact(doc)
  }

  unloaded(doc: string): void {
    this.docs.delete(doc)
  }

  /** Waits for running compactions; no new ones start. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.allSettled([...this.running])
  }

  private maybeCompact(doc: string): void {
    const t = this.docs.get(doc)
    if (!t || t.running || this.closed || t.logLength <= this.o.threshold || t.seqs.value <= t.compactedSeq) return
    t.running = true
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.compact(doc, t))
      .catch((error: unknown): boolean => {
        if (error instanceof FencedError) {
          // [LEASE-1] another node took the doc over while this one worked: its write was refused, as it must be.
          this.o.metrics.errors.inc({ code: 'compaction-fenced' })
          this.o.logger.info({ doc, reason: error.message }, 'compaction fenced off')
          return false
        }
        this.o.metrics.errors.inc({ code: 'compaction-failed' })
        this.o.logger.warn({ err: error, doc }, 'compaction failed')
        return false
      })
      .then((wrote) => {
        t.running = false
        this.running.delete(p)
        // Appends that arrived meanwhile may already have passed the threshold again.
        if (wrote) this.maybeCompact(doc)
      })
    this.running.add(p)
  }

  /** True when a snapshot was written. */
  private async compact(doc: string, t: Tracked): Promise<boolean> {
    const d = this.o.docOf(doc)
    // A delta still waiting in the causal buffer is in the log but not in the
    // state: pruning now would lose it. Try again on the next append.
    if (!d || d.pendingCount > 0 || this.closed) return false
    const lease = this.o.claim ? await this.o.claim(doc, { overdue: t.logLength > 2 * this.o.threshold }) : undefined
    if (this.o.claim && !lease) return false
    const seq = t.seqs.value
    const bytes = d.encodeState()
    const vv = d.versionVector()
    const pruneThroughSeq = Math.max(0, seq - this.o.keepTail)
    await this.o.store.writeSnapshot(doc, { bytes, vv, seq }, { pruneThroughSeq, ...(lease && { fence: lease }) })
    t.logLength = await this.o.store.logLength(doc)
    t.compactedSeq = seq
    this.o.metrics.compactions.inc()
    this.o.logger.debug({ doc, seq, bytes: bytes.byteLength, logLength: t.logLength }, 'compacted')
    return true
  }
}

function track(logLength: number, seq: number): Tracked {
  return { logLength, seqs: new SeqWatermark(seq), running: false, compactedSeq: 0 }
}
