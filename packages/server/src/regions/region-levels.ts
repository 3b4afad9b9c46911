import { vvCovers, vvMerge } from '@weft/crdt-core'
import type { Store, VersionVector } from '../store/store.js'
import { vvToJson } from '../store/dot-ranges.js'
import { type FreshnessLevel, type RegionLevel, regionsNeeded } from './level-rules.js'
import type { PeerClient } from './peer-client.js'

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
      /** Pulls `doc` from every reachable peer (read repair); failures are ignored. */
      readonly pullAll: (doc: string) => Promise<void>
    },
  ) {}

  async waitForLevel(doc: string, vv: VersionVector, level: RegionLevel, timeoutMs: number, signal: AbortSignal): Promise<LevelAnswer> {
    const needed = regionsNeeded(level, 1 + this.o.peers.length)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const heads = await this.heads(doc, signal)
      const regions = [...heads].filter(([, h]) => h !== undefined && vvCovers(h, vv)).map(([r]) => r)
      if (regions.length >= needed || Date.now() >= deadline || signal.aborted) return { level, reached: regions.length >= needed, regions, needed }
      await sleep(POLL_MS)
    }
  }

  async waitFresh(doc: string, vv: VersionVector, level: FreshnessLevel, timeoutMs: number, signal: AbortSignal): Promise<FreshAnswer> {
    const deadline = Date.now() + timeoutMs
    let target = vv
    if (level !== 'session') {
      // What a majority (or every region) had when the call was made: their heads, joined.
      const needed = regionsNeeded(level, 1 + this.o.peers.length)
      const heads = [...(await this.heads(doc, signal)).values()].filter((h): h is VersionVector => h !== undefined)
      if (heads.length < needed) return { level, fresh: false, vv: vvToJson((await this.o.store.head(doc)).vv), region: this.o.self }
      for (const h of heads) target = vvMerge(target, h)
    }
    for (;;) {
      const local = (await this.o.store.head(doc)).vv
      const fresh = vvCovers(local, target)
      if (fresh || Date.now() >= deadline || signal.aborted) return { level, fresh, vv: vvToJson(local), region: this.o.self }
      await this.o.pullAll(doc)
      await sleep(POLL_MS)
    }
  }

  /** This region's and every reachable peer's durable head vv of `doc` (undefined: unreachable). */
  private async heads(doc: string, signal: AbortSignal): Promise<Map<string, VersionVector | undefined>> {
    const out = new Map<string, VersionVector | undefined>([[this.o.self, (await this.o.store.head(doc)).vv]])
    const peers = await Promise.all(
      this.o.peers.map((p) =>
        p.head(doc, signal).then(
          (h) => h.vv,
          () => undefined,
        ),
      ),
    )
    this.o.peers.forEach((p, i) => out.set(p.peer.name, peers[i]))
    return out
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
