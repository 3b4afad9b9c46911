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
        if (failing) {
          failing = false
          this.o.events.healed(name)
          this.o.logger.info({ peer: name }, 'region peer reachable again')
        }
      } catch (error) {
        if (signal.aborted) return
        if (!failing) this.o.logger.warn({ peer: name, err: error instanceof Error ? error.message : error }, 'region peer unreachable; retrying')
        failing = true
        token = undefined
        this.o.events.failed(name)
        await new Promise((r) => setTimeout(r, this.o.retryMs))
      }
    }
  }
}
