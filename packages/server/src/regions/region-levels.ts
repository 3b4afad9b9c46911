import { vvCovers, vvMerge } from '@weft/crdt-core'
import type { Store, VersionVector } from '../store/store.js'
import { vvToJson } from '../store/dot-ranges.js'
import { type FreshnessLevel, type RegionLevel, regionsNeeded } from './level-rules.js'
import type { PeerClient } from './peer-client.js'
import type { Residency } from './residency.js'

/** Answer of a level wait: which regions hold the write (durably, in their store). */
export interface LevelAnswer {
  readonly level: RegionLevel
  readonly reached: boolean
  readonly regions: readonly string[]
  readonly needed: number
}

/** Answer of a freshness wait: this region's version vector of the doc once fresh (or when it gave up). */
export interface FreshAnswer {
  readonly level: FreshnessLevel
  readonly fresh: boolean
  /** JSON of the region's version vector; the client waits until its replica covers it. */
  readonly vv: string
  readonly region: string
}

const POLL_MS = 20
/** How long a peer holds one level request open waiting for its head to cover the write. */
const PEER_WAIT_MS = 5_000

/**
 * Levels are defined on version vectors ([LEVEL-1]): a region holds a write
 * at `vv` when its durable head covers `vv`, which covers everything the
 * write depends on too. Nothing here blocks or rolls back a write; it only
 * says when a promise may resolve.
 */
export class RegionLevels {
  constructor(
    private readonly o: {
      readonly self: string
      readonly store: Store
      readonly peers: readonly PeerClient[]
      /** Levels of a pinned doc count only its regions ([RESIDENCY-4]). */
      readonly residency: Residency
      /** Pulls `doc` from every reachable peer (read repair); failures are ignored. */
      readonly pullAll: (doc: string) => Promise<void>
    },
  ) {}

  /** The peers that may hold `doc`, and how many regions (this one included) its levels count. */
  private regionsFor(doc: string): { peers: readonly PeerClient[]; regions: number } {
    const peers = this.o.peers.filter((p) => this.o.residency.allows(doc, p.peer.name))
    return { peers, regions: 1 + peers.length }
  }

  async waitForLevel(doc: string, vv: VersionVector, level: RegionLevel, timeoutMs: number, signal: AbortSignal): Promise<LevelAnswer> {
    const { peers, regions } = this.regionsFor(doc)
    const needed = regionsNeeded(level, regions)
    const holders = new Set<string>()
    // Each region is asked on its own: a cut-off peer (whose requests hang until they time out) delays nobody.
    await untilEnough(needed, timeoutMs, signal, [
      (stop) => this.waitLocal(doc, vv, stop).then((ok) => ok && holders.add(this.o.self)),
      ...peers.map((p) => (stop: AbortSignal) => this.waitPeer(p, doc, vv, stop).then((ok) => ok && holders.add(p.peer.name))),
    ])
    return { level, reached: holders.size >= needed, regions: [...holders], needed }
  }

  async waitFresh(doc: string, vv: VersionVector, level: FreshnessLevel, timeoutMs: number, signal: AbortSignal): Promise<FreshAnswer> {
    const deadline = Date.now() + timeoutMs
    let target = vv
    if (level !== 'session') {
      // What a majority (or every region) had when the call was made: the first heads to answer, joined.
      const { peers, regions } = this.regionsFor(doc)
      const needed = regionsNeeded(level, regions)
      const heads: VersionVector[] = [(await this.o.store.head(doc)).vv]
      await untilEnough(
        needed - 1,
        timeoutMs,
        signal,
        peers.map(
          (p) => (stop: AbortSignal) =>
            p.head(doc, stop).then(
              (h) => heads.push(h.vv) > 0,
              () => false,
            ),
        ),
      )
      if (heads.length < needed) return { level, fresh: false, vv: vvToJson((await this.o.store.head(doc)).vv), region: this.o.self }
      for (const h of heads) target = vvMerge(target, h)
    }
    let pulling = false
    for (;;) {
      const local = (await this.o.store.head(doc)).vv
      const fresh = vvCovers(local, target)
      if (fresh || Date.now() >= deadline || signal.aborted) return { level, fresh, vv: vvToJson(local), region: this.o.self }
      // Read repair in the background: one pull round at a time, while the head is checked every poll.
      if (!pulling) {
        pulling = true
        void this.o.pullAll(doc).finally(() => {
          pulling = false
        })
      }
      await sleep(POLL_MS)
    }
  }

  private async waitLocal(doc: string, vv: VersionVector, stop: AbortSignal): Promise<boolean> {
    while (!stop.aborted) {
      if (vvCovers((await this.o.store.head(doc)).vv, vv)) return true
      await sleep(POLL_MS)
    }
    return false
  }

  private async waitPeer(peer: PeerClient, doc: string, vv: VersionVector, stop: AbortSignal): Promise<boolean> {
    while (!stop.aborted) {
      try {
        if (vvCovers((await peer.head(doc, stop, { vv, waitMs: PEER_WAIT_MS })).vv, vv)) return true
      } catch {
        if (!stop.aborted) await sleep(POLL_MS * 10)
      }
    }
    return false
  }
}

/**
 * Runs every waiter at once; resolves when `needed` of them resolved true,
 * when all finished, or at the timeout / abort, then stops the rest.
 */
async function untilEnough(
  needed: number,
  timeoutMs: number,
  signal: AbortSignal,
  waiters: readonly ((stop: AbortSignal) => Promise<unknown>)[],
): Promise<void> {
  const done = new AbortController()
  const stop = AbortSignal.any([signal, done.signal, AbortSignal.timeout(timeoutMs)])
  let yes = 0
  await new Promise<void>((resolve) => {
    if (needed <= 0) return resolve()
    stop.addEventListener('abort', () => resolve(), { once: true })
    let left = waiters.length
    for (const w of waiters) {
      w(stop).then(
        (ok) => {
          if (ok && ++yes >= needed) resolve()
          if (--left === 0) resolve()
        },
        () => {
          if (--left === 0) resolve()
        },
      )
    }
  })
  done.abort()
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
