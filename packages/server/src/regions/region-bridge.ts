import { vvCovers, vvEquals } from '@weft/crdt-core'
import type { Logger } from 'pino'
import type { VersionVector } from '../store/store.js'
import { type DocDigests, diverged } from './doc-digests.js'
import type { PeerClient } from './peer-client.js'
import type { RegionCursors } from './region-cursors.js'
import type { StreamHead } from './heads-stream.js'
import type { RegionHead } from './region-heads.js'
import type { RegionImporter } from './region-importer.js'

/** Counters a bridge reports (exported as metrics by the region node). */
export interface BridgeEvents {
  imported(peer: string, deltas: number): void
  failed(peer: string): void
  /** A peer answered again after at least one failure. */
  healed(peer: string): void
  /** Equal version vectors, different stored digests ([REGION-5]). */
  diverged(peer: string): void
  /** A divergence was healed by a full state exchange (`changed`: this region's state moved). */
  divergenceHealed(peer: string, changed: boolean): void
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

/** A frame (keep-alives included) arrives at least this often on a live stream; quieter than this counts as lag. */
const QUIET_MS = 3_000

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
  /** When this region last held everything the peer's stream said (a frame's arrival, once all of it was imported). */
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
      /**
       * May this region hold `doc` ([RESIDENCY-1])? A peer with the same table never names a doc
       * pinned elsewhere; one whose table disagrees is not followed (the doc is left out, logged).
       */
      readonly mayHold: (doc: string) => boolean
      readonly longPollMs: number
      readonly retryMs: number
      readonly antiEntropyMs: number
      readonly digests: DocDigests
      /** Docs whose digests one anti-entropy pass compares (rotating through all docs over passes). */
      readonly digestDocsPerPass: number
    },
  ) {}

  /** Where the last divergence check stopped: the next pass goes on from there. */
  private digestAfter = ''

  start(): void {
    this.running ??= this.loop()
  }

  async close(): Promise<void> {
    this.abort.abort()
    await this.running
  }

  /**
   * How far behind this peer the region may be, in time: 0 while its heads
   * stream delivers frames (a keep-alive every second at least), else the
   * time since the region last caught up with it, so a cut link or a hung
   * peer shows as lag that grows until replication heals.
   */
  status(now = Date.now()): BridgeStatus {
    const since = now - (this.caughtUpAt ?? this.startedAt)
    const lagMs = this.failing || this.importing ? since : Math.max(0, since - QUIET_MS)
    return {
      peer: this.o.peer.peer.name,
      url: this.o.peer.peer.url,
      reachable: !this.failing,
      lagMs,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    }
  }

  get peerName(): string {
    return this.o.peer.peer.name
  }

  /**
   * Pulls `doc` from this peer now (fresh reads, read repair); resolves when
   * imported, with the number of deltas still waiting for what they build on
   * (0 unless the peer itself lacks it; a later pass from another peer brings it).
   */
  async pull(doc: string): Promise<number> {
    if (!this.o.mayHold(doc)) return 0
    const vv = await this.o.importer.localVv(doc)
    const answer = await this.o.peer.since(doc, vv, this.abort.signal)
    const { appended, waiting } = await this.o.importer.import(doc, answer, this.o.peer.peer.name)
    this.o.logger.debug({ peer: this.o.peer.peer.name, doc, received: answer.deltas.length, appended, waiting }, 'pulled from peer')
    if (appended > 0) this.o.events.imported(this.o.peer.peer.name, appended)
    return waiting
  }

  /**
   * [REGION-5]: for docs whose head version vector equals the peer's, the
   * stored states must replay to the same digest. One that does not is a
   * divergence (bit rot, a bad restore, a write behind the protocol's back):
   * alarm, then heal by joining the peer's whole state (the peer's own bridge
   * to this region does the same the other way).
   */
  private async checkDivergence(peerHeads: ReadonlyMap<string, RegionHead>, signal: AbortSignal): Promise<void> {
    const name = this.o.peer.peer.name
    const docs = [...peerHeads.keys()].filter((d) => this.o.mayHold(d)).sort()
    const from = docs.findIndex((d) => d > this.digestAfter)
    const order = from < 0 ? docs : [...docs.slice(from), ...docs.slice(0, from)]
    const equal: [string, VersionVector][] = []
    for (const doc of order.slice(0, this.o.digestDocsPerPass)) {
      const peerVv = peerHeads.get(doc)?.vv
      if (peerVv && vvEquals(await this.o.importer.localVv(doc), peerVv)) equal.push([doc, peerVv])
      this.digestAfter = doc
    }
    if (equal.length === 0) return
    const theirs = await this.o.peer.digests(equal, signal)
    for (const [doc, peer] of theirs) {
      const mine = await this.o.digests.digest(doc)
      if (!diverged(mine, peer)) continue
      this.o.events.diverged(name)
      this.o.logger.error(
        { alarm: 'region-divergence', peer: name, doc, vv: mine.vv, digest: mine.digest, peerDigest: peer.digest },
        'region divergence: equal version vectors, different stored states; healing by full state exchange',
      )
      const changed = await this.o.importer.heal(doc, await this.o.peer.state(doc, signal), this.o.digests)
      this.o.events.divergenceHealed(name, changed)
      this.o.logger.warn(
        { peer: name, doc, changed },
        changed ? 'region divergence healed: joined the peer state' : 'region divergence: this region already holds the peer state; the peer heals from it',
      )
    }
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
        // A periodic pass compares every doc's version vector (and digests), cursors or not.
        const antiEntropy = lastFull > 0 && Date.now() - lastFull > this.o.antiEntropyMs
        if (antiEntropy) token = undefined
        // The stream ends in time for the next pass.
        const waitMs = lastFull === 0 ? this.o.longPollMs : Math.max(250, Math.min(this.o.longPollMs, lastFull + this.o.antiEntropyMs - Date.now()))
        let next: string | undefined
        await this.o.peer.headsStream(token, waitMs, signal, async (frame) => {
          const arrivedAt = Date.now()
          this.importing = frame.heads.length > 0
          this.failing = false
          this.lastError = undefined
          if (failing) {
            failing = false
            this.o.events.healed(name)
            this.o.logger.info({ peer: name }, 'region peer reachable again')
          }
          if (frame.token !== undefined) {
            next = frame.token
            return
          }
          if (frame.full) lastFull = Date.now()
          if (frame.heads.length > 0) this.o.logger.debug({ peer: name, full: frame.full, changed: frame.heads.length }, 'peer heads')
          for (const h of frame.heads) {
            if (signal.aborted) return
            // In a full list, the cursor says this peer head was imported already (it survives restarts).
            if (frame.full && !antiEntropy && (this.cursors.get(h.doc) ?? 0) >= h.seq) continue
            await this.apply(h)
          }
          if (frame.full) await this.checkDivergence(new Map(frame.heads.map((h) => [h.doc, { seq: h.seq, vv: h.vv ?? {} }])), signal)
          this.caughtUpAt = arrivedAt
          this.importing = false
        })
        // Only a stream that ended cleanly resumes from its token; anything else asks for every head again.
        token = next
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

  /** One moved head: its inline deltas imported, then `since` when the peer holds more than this region. */
  private async apply(h: StreamHead): Promise<void> {
    const name = this.o.peer.peer.name
    if (!this.o.mayHold(h.doc)) {
      this.o.logger.error({ peer: name, doc: h.doc }, 'peer region sent a doc pinned away from this region: residency tables disagree; not imported')
      return
    }
    // Inline deltas that outran what they build on (a third region's, forwarded as the peer's own when
    // the peer forgot where it had them from) are left out by the importer and pulled with all they need.
    let waiting = 0
    if (h.deltas.length > 0) {
      const r = await this.o.importer.import(h.doc, { snapshot: undefined, deltas: h.deltas, headSeq: h.seq }, name)
      if (r.appended > 0) this.o.events.imported(name, r.appended)
      waiting = r.waiting
    }
    if (waiting > 0 || (h.vv !== undefined && !vvCovers(await this.o.importer.localVv(h.doc), h.vv))) waiting = await this.pull(h.doc)
    // Still waiting: no cursor, so the next full list looks at this doc again.
    if (waiting > 0) return
    this.cursors.set(h.doc, h.seq)
    this.saveCursor(h.doc, h.seq)
  }

  private readonly dirty = new Map<string, number>()
  private flushing = false

  /** Cursors are a shortcut: saved in the background, coalesced per doc, never in the way of the next frame. */
  private saveCursor(doc: string, seq: number): void {
    this.dirty.set(doc, seq)
    if (this.flushing) return
    this.flushing = true
    void (async () => {
      while (this.dirty.size > 0) {
        const batch = [...this.dirty]
        this.dirty.clear()
        for (const [d, s] of batch) await this.o.cursors.save(this.o.peer.peer.name, d, s).catch(() => {})
      }
      this.flushing = false
    })()
  }
}
