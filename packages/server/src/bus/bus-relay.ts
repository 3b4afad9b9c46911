import type { Logger } from 'pino'
import type { ServerMetrics } from '../metrics/metrics.js'
import type { Store } from '../store/store.js'
import type { Bus, CommittedDelta, HeadsBeat } from './bus.js'

/** Why a doc was re-read from the store (a label of `weft_bus_rereads_total`). */
export type RereadReason = 'gap' | 'beat' | 'sweep' | 'resumed'

/** Options of {@link BusRelay}. */
export interface BusRelayOptions {
  readonly node: string
  readonly bus: Bus
  readonly store: Store
  /** Hands a delta committed elsewhere to this node's protocol (join, then relay to subscribers). */
  readonly deliver: (doc: string, delta: Uint8Array, seq: number) => void
  readonly metrics: ServerMetrics
  readonly logger: Logger
  /** A gap may be a reordering of two publishers' messages: wait this long before re-reading (default 25 ms). */
  readonly gapGraceMs?: number | undefined
  /** How often this node beats the heads it committed lately (default 1 s; 0 = never). */
  readonly beatMs?: number | undefined
  /** In how many beats a head is repeated, in case a beat is lost (default 3). */
  readonly beatRepeats?: number | undefined
  /** How often every watched doc's head is checked in the store (default 10 s; 0 = never): the last resort when a node died before it could publish. */
  readonly sweepMs?: number | undefined
  readonly now?: (() => number) | undefined
}

/** What this node has of one watched doc's log. */
interface Feed {
  /** Every seq <= mark is in the doc here; undefined until the doc is loaded. */
  mark: number | undefined
  /** Seqs above mark seen here. */
  readonly ahead: Set<number>
  timer: ReturnType<typeof setTimeout> | undefined
  repairing: Promise<void> | undefined
  again: RereadReason | undefined
}

/**
 * Keeps this node's loaded docs in step with the other nodes: publishes what
 * this node committed, delivers what the others committed, and re-reads the
 * store whenever it may have missed something — a gap in a doc's seqs
 * ([BUS-1]), a beat naming a newer head ([BUS-2]), the bus coming back after a
 * cut, and a slow sweep of heads. So the bus may lose, duplicate or reorder
 * messages: it costs latency, never data.
 */
export class BusRelay {
  private readonly feeds = new Map<string, Feed>()
  private readonly recent = new Map<string, { seq: number; beats: number }>()
  private readonly timers: ReturnType<typeof setInterval>[] = []
  private readonly now: () => number
  private closed = false

  constructor(private readonly o: BusRelayOptions) {
    this.now = o.now ?? Date.now
    o.bus.listen({ delta: (e) => this.received(e), beat: (b) => this.beat(b), resumed: () => this.rereadAll('resumed') })
    const beatMs = o.beatMs ?? 1000
    if (beatMs > 0) this.timers.push(setInterval(() => this.sendBeat(), beatMs))
    const sweepMs = o.sweepMs ?? 10_000
    if (sweepMs > 0) this.timers.push(setInterval(() => void this.sweep(), sweepMs))
    for (const t of this.timers) t.unref()
  }

  /** Starts following a doc; resolves once the bus delivers its deltas (read the store after this, not before). */
  watch(doc: string): Promise<void> {
    if (!this.feeds.has(doc)) this.feeds.set(doc, { mark: undefined, ahead: new Set(), timer: undefined, repairing: undefined, again: undefined })
    return this.o.bus.watch(doc)
  }

  /** The doc was read from the store up to `seq`: deltas up to there are in it. */
  loaded(doc: string, seq: number): void {
    const f = this.feeds.get(doc)
    if (!f) return
    this.advance(f, seq)
    if (f.ahead.size > 0) this.schedule(doc, f, 'gap')
  }

  unwatch(doc: string): void {
    const f = this.feeds.get(doc)
    if (f?.timer) clearTimeout(f.timer)
    this.feeds.delete(doc)
    this.o.bus.unwatch(doc)
  }

  /** This node committed `delta` as `seq` ([FAN-2] `durable`): tell the others. */
  committed(doc: string, seq: number, delta: Uint8Array): void {
    const f = this.feeds.get(doc)
    if (f) this.see(doc, f, seq, 'gap')
    this.o.bus.publish({ doc, seq, delta, node: this.o.node, sentAt: this.now() })
    this.o.metrics.busPublished.inc()
    const r = this.recent.get(doc)
    if (!r || r.seq < seq) this.recent.set(doc, { seq, beats: 0 })
  }

  /** Docs followed now. */
  get watching(): number {
    return this.feeds.size
  }

  close(): void {
    this.closed = true
    for (const t of this.timers) clearInterval(t)
    for (const f of this.feeds.values()) if (f.timer) clearTimeout(f.timer)
  }

  /** Waits for re-reads in progress (tests, shutdown). */
  async settled(): Promise<void> {
    while ([...this.feeds.values()].some((f) => f.repairing || f.timer)) {
      await Promise.all([...this.feeds.values()].map((f) => f.repairing))
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  private received(e: CommittedDelta): void {
    const f = this.feeds.get(e.doc)
    if (!f || this.seen(f, e.seq)) return
    this.o.metrics.busReceived.inc()
    this.o.metrics.busLag.observe(Math.max(0, this.now() - e.sentAt) / 1000)
    this.o.deliver(e.doc, e.delta, e.seq)
    this.see(e.doc, f, e.seq, 'gap')
  }

  private beat(b: HeadsBeat): void {
    for (const h of b.heads) {
      const f = this.feeds.get(h.doc)
      if (f && f.mark !== undefined && h.seq > f.mark && !this.seen(f, h.seq)) this.schedule(h.doc, f, 'beat', 0)
    }
  }

  private sendBeat(): void {
    if (this.recent.size === 0) return
    const repeats = this.o.beatRepeats ?? 3
    const heads: { doc: string; seq: number }[] = []
    for (const [doc, r] of this.recent) {
      heads.push({ doc, seq: r.seq })
      if (++r.beats >= repeats) this.recent.delete(doc)
    }
    this.o.bus.publishBeat({ node: this.o.node, sentAt: this.now(), heads })
  }

  private rereadAll(reason: RereadReason): void {
    for (const [doc, f] of this.feeds) if (f.mark !== undefined) this.schedule(doc, f, reason, 0)
  }

  private async sweep(): Promise<void> {
    for (const [doc, f] of [...this.feeds]) {
      if (this.closed) return
      if (f.mark === undefined || f.repairing) continue
      try {
        const head = await this.o.store.head(doc)
        if (this.feeds.get(doc) === f && f.mark !== undefined && head.seq > f.mark) this.schedule(doc, f, 'sweep', 0)
      } catch (error) {
        this.o.logger.warn({ err: error, doc }, 'bus sweep could not read a head')
        return
      }
    }
  }

  private seen(f: Feed, seq: number): boolean {
    return (f.mark !== undefined && seq <= f.mark) || f.ahead.has(seq)
  }

  private see(doc: string, f: Feed, seq: number, reason: RereadReason): void {
    if (f.mark === undefined || seq > f.mark + 1) f.ahead.add(seq)
    else if (seq === f.mark + 1) this.advance(f, seq)
    if (f.mark !== undefined && f.ahead.size > 0) this.schedule(doc, f, reason)
    else if (f.timer && f.ahead.size === 0) {
      clearTimeout(f.timer)
      f.timer = undefined
    }
  }

  private advance(f: Feed, seq: number): void {
    if (f.mark === undefined || seq > f.mark) f.mark = seq
    for (const s of f.ahead) if (s <= f.mark) f.ahead.delete(s)
    while (f.ahead.delete(f.mark + 1)) f.mark++
  }

  private schedule(doc: string, f: Feed, reason: RereadReason, delayMs = this.o.gapGraceMs ?? 25): void {
    if (this.closed || f.timer) return
    f.timer = setTimeout(() => {
      f.timer = undefined
      if (this.feeds.get(doc) !== f) return
      if (reason === 'gap' && f.ahead.size === 0) return
      this.reread(doc, f, reason)
    }, delayMs)
  }

  /** Reads what this node lacks of `doc` from the store and delivers it. */
  private reread(doc: string, f: Feed, reason: RereadReason): void {
    if (f.repairing) {
      f.again = reason
      return
    }
    this.o.metrics.busRereads.inc({ reason })
    f.repairing = this.fill(doc, f)
      .catch((error: unknown) => {
        this.o.metrics.errors.inc({ code: 'bus-reread-failed' })
        this.o.logger.warn({ err: error, doc }, 're-reading a doc from the store failed; trying again')
        f.again ??= reason
      })
      .finally(() => {
        f.repairing = undefined
        const again = f.again
        f.again = undefined
        if (again && this.feeds.get(doc) === f) this.schedule(doc, f, again, again === reason ? 100 : 0)
      })
  }

  private async fill(doc: string, f: Feed): Promise<void> {
    const from = f.mark ?? 0
    let rows = await this.o.store.readAfterSeq(doc, from)
    if (this.feeds.get(doc) !== f || f.mark === undefined) return
    const first = rows[0]
    if (first === undefined || first.seq > f.mark + 1) {
      // Compaction folded what is missing into the snapshot: take it, then the log after it.
      const loaded = await this.o.store.load(doc)
      if (this.feeds.get(doc) !== f || f.mark === undefined) return
      if (loaded.snapshot && loaded.snapshot.seq > f.mark) {
        this.o.deliver(doc, loaded.snapshot.bytes, loaded.snapshot.seq)
        this.advance(f, loaded.snapshot.seq)
      }
      rows = loaded.deltas
    }
    for (const r of rows) {
      if (this.seen(f, r.seq)) continue
      this.o.deliver(doc, r.bytes, r.seq)
      this.see(doc, f, r.seq, 'gap')
    }
  }
}
