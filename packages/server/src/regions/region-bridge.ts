import { vvCovers } from '@weft/crdt-core'
import type { Logger } from 'pino'
import type { PeerClient } from './peer-client.js'
import type { RegionCursors } from './region-cursors.js'
import type { RegionImporter } from './region-importer.js'

/** Counters a bridge reports (exported as metrics by the region node). */
export interface BridgeEvents {
  imported(peer: string, deltas: number): void
  failed(peer: string): void
  /** A peer answered again after at least one failure. */
  healed(peer: string): void
}

/** One peer link as this region sees it (dashboard, audit). */
export interface BridgeStatus {
  readonly peer: string
  readonly url: string
  /** The last request to the peer succeeded. */
  readonly reachable: boolean
  /** How long this region may have been missing the peer's writes (see {@link RegionBridge.status}). */
  readonly lagMs: number
  readonly lastError?: string
}

/**
 * Pulls one peer region's committed deltas into this region ([REGION-1]):
 * a long poll on the peer's heads (only the docs whose head moved since the
 * last answer), then, for each doc whose peer version vector this region does
 * not cover, `since` with this region's version vector. Every region runs one
 * per peer, so replication goes both ways with no leader. Nothing is
 * buffered in memory between regions: after a partition of any length the
 * peer answers from its store ([REGION-3]). A full heads list (every doc's
 * version vector) is asked for at start, after every failure, and every
 * `antiEntropyMs`: that is the anti-entropy pass that heals whatever a
 * change-only answer missed.
 */
export class RegionBridge {
  private readonly abort = new AbortController()
  private running: Promise<void> | undefined
  private cursors = new Map<string, number>()
  /** When this region last held everything the peer's heads said (the answer's arrival, once all of it was imported). */
  private caughtUpAt: number | undefined
  private failing = false
  private importing = false
  private lastError: string | undefined
  private readonly startedAt = Date.now()

  constructor(
    private readonly o: {
      readonly peer: PeerClient
      readonly importer: RegionImporter
      readonly cursors: RegionCursors
      readonly events: BridgeEvents
      readonly logger: Logger
      readonly longPollMs: number
      readonly retryMs: number
      readonly antiEntropyMs: number
    },
  ) {}

  start(): void {
    this.running ??= this.loop()
  }

  async close(): Promise<void> {
    this.abort.abort()
    await this.running
  }

  /**
   * How far behind this peer the region may be, in time: 0 while a long poll
   * is open on a reachable peer (it answers within a heads check of any
   * change), else the time since the region last caught up with it, so a
   * cut link or a hung peer shows as lag that grows until replication heals.
   */
  status(now = Date.now()): BridgeStatus {
    const since = now - (this.caughtUpAt ?? this.startedAt)
    const quietFor = this.o.longPollMs + 1_000
    const lagMs = this.failing || this.importing ? since : Math.max(0, since - quietFor)
    return {
      peer: this.o.peer.peer.name,
      url: this.o.peer.peer.url,
      reachable: !this.failing,
      lagMs,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    }
  }

  /** Pulls `doc` from this peer now (fresh reads, read repair); resolves when imported. */
  async pull(doc: string): Promise<void> {
    const vv = await this.o.importer.localVv(doc)
    const answer = await this.o.peer.since(doc, vv, this.abort.signal)
    const n = await this.o.importer.import(doc, answer)
    this.o.logger.debug({ peer: this.o.peer.peer.name, doc, received: answer.deltas.length, appended: n }, 'pulled from peer')
    if (n > 0) this.o.events.imported(this.o.peer.peer.name, n)
  }

  private async loop(): Promise<void> {
    const name = this.o.peer.peer.name
    const signal = this.abort.signal
    this.cursors = await this.o.cursors.load(name).catch(() => new Map<string, number>())
    let token: string | undefined
    let lastFull = 0
    let failing = false
    while (!signal.aborted) {
      try {
        // A periodic pass compares every doc's version vector, cursors or not.
        const antiEntropy = lastFull > 0 && Date.now() - lastFull > this.o.antiEntropyMs
        if (antiEntropy) token = undefined
        const answer = await this.o.peer.heads(token, this.o.longPollMs, signal)
        const answeredAt = Date.now()
        this.importing = answer.heads.size > 0
        if (answer.full) lastFull = Date.now()
        this.o.logger.debug({ peer: name, full: answer.full, changed: answer.heads.size }, 'peer heads')
        for (const [doc, head] of answer.heads) {
          if (signal.aborted) return
          // The cursor says this peer head was imported already (it survives restarts).
          if (!antiEntropy && (this.cursors.get(doc) ?? 0) >= head.seq) continue
          const local = await this.o.importer.localVv(doc)
          if (!vvCovers(local, head.vv)) await this.pull(doc)
          this.cursors.set(doc, head.seq)
          await this.o.cursors.save(name, doc, head.seq)
        }
        // Only once every changed doc was imported: a failure above asks again for the same changes.
        token = answer.token
        this.caughtUpAt = answeredAt
        this.importing = false
        this.failing = false
        this.lastError = undefined
        if (failing) {
          failing = false
          this.o.events.healed(name)
          this.o.logger.info({ peer: name }, 'region peer reachable again')
        }
      } catch (error) {
        if (signal.aborted) return
        if (!failing) this.o.logger.warn({ peer: name, err: error instanceof Error ? error.message : error }, 'region peer unreachable; retrying')
        failing = true
        this.failing = true
        this.importing = false
        this.lastError = error instanceof Error ? error.message : String(error)
        token = undefined
        this.o.events.failed(name)
        await new Promise((r) => setTimeout(r, this.o.retryMs))
      }
    }
  }
}
