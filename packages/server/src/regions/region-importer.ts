import { type DeltaInfo, inspectDelta } from '@weft/crdt-core'
import type { Logger } from 'pino'
import type { Store, VersionVector } from '../store/store.js'
import type { DocDigests } from './doc-digests.js'
import type { RecentImports } from './recent-imports.js'
import type { SinceAnswer } from './region-wire.js'

/** Called for each delta appended from a peer: tell this region's nodes and subscribers. */
export type OnImported = (doc: string, seq: number, delta: Uint8Array) => void

/** What one import did. */
export interface ImportResult {
  /** Deltas appended (0: nothing was new). */
  readonly appended: number
  /**
   * Deltas left out because this store lacks what they build on (a range
   * starting past its counter, or a dependency): the asker should pull
   * `since` its version vector, which brings them with what they need.
   */
  readonly waiting: number
}

/**
 * [CAUSAL-1] for imports: the store's version vector is a counter per
 * replica, so a delta appended past a hole would claim the hole as held and
 * no later `since` would ever ask for it. A delta is appended only once
 * everything it builds on is (the sync server asks the same of clients).
 */
function buildsOnHeld(info: DeltaInfo, vv: Readonly<Record<number, number>>): boolean {
  const held = (replica: number) => vv[replica] ?? 0
  if (info.ranges.some((r) => held(r.replica) < r.from)) return false
  return info.isState || Object.entries(info.deps).every(([replica, counter]) => held(Number(replica)) >= counter)
}

/**
 * Appends what a peer region sent into this region's store, idempotently by
 * dots ([REGION-2]): a delta whose every dot the doc's head already has is
 * skipped, so the same delta arriving from two peers, twice, or after a
 * client also sent it here is stored once. Imports of one doc run one at a
 * time, in the peer's log order, so the head checked is the head appended to.
 */
export class RegionImporter {
  private readonly chains = new Map<string, Promise<unknown>>()

  constructor(
    private readonly o: {
      readonly store: Store
      readonly onImported: OnImported
      readonly logger: Logger
      /** Where imported deltas came from (heads streams leave a peer's own deltas out). */
      readonly recent?: RecentImports
    },
  ) {}

  /** Runs `fn` after every earlier import of `doc` (per-doc serialisation). */
  serial<T>(doc: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(doc) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.catch(() => {})
    this.chains.set(doc, tail)
    void tail.then(() => {
      if (this.chains.get(doc) === tail) this.chains.delete(doc)
    })
    return next
  }

  /** The local head's version vector, read in the doc's import order. */
  localVv(doc: string): Promise<VersionVector> {
    return this.serial(doc, async () => (await this.o.store.head(doc)).vv)
  }

  /**
   * Joins a peer's whole state after a divergence ([REGION-5]); appended (a
   * state joins idempotently) only when it changes what this store replays
   * the doc to. Resolves with whether it did.
   */
  heal(doc: string, state: Uint8Array, digests: DocDigests): Promise<boolean> {
    return this.serial(doc, async () => {
      if (!(await digests.changes(doc, state))) return false
      const seq = await this.o.store.append(doc, { bytes: state, ranges: inspectDelta(state).ranges })
      this.o.onImported(doc, seq, state)
      return true
    })
  }

  /**
   * Imports an answer from peer `from`, idempotently by dots and causally:
   * each delta is appended once everything it builds on is held (a delta
   * that comes before what it needs, in this answer, waits for it).
   */
  import(doc: string, answer: SinceAnswer, from?: string): Promise<ImportResult> {
    return this.serial(doc, async () => {
      const vv = { ...(await this.o.store.head(doc)).vv }
      const fresh: { bytes: Uint8Array; ranges: DeltaInfo['ranges'] }[] = []
      let pending = (answer.snapshot ? [answer.snapshot, ...answer.deltas] : answer.deltas).map((bytes) => ({ bytes, info: inspectDelta(bytes) }))
      // A few passes at most: a peer's log is in causal order, so only a delta that outran
      // what it needs (forwarded by a third region) waits for a later one.
      for (let progress = true; progress && pending.length > 0; ) {
        progress = false
        const later: typeof pending = []
        for (const p of pending) {
          const { ranges } = p.info
          if (!ranges.some((r) => r.to > (vv[r.replica] ?? 0))) continue
          if (!buildsOnHeld(p.info, vv)) {
            later.push(p)
            continue
          }
          for (const r of ranges) if (r.to > (vv[r.replica] ?? 0)) vv[r.replica] = r.to
          fresh.push({ bytes: p.bytes, ranges })
          progress = true
        }
        pending = later
      }
      if (pending.length > 0) {
        this.o.logger.debug({ doc, from, waiting: pending.length }, 'peer deltas wait for what they build on; pulling')
      }
      // Issued together, in order: the store commits them in call order, in one group commit
      // where it batches ([STORE-2]: once one fails the later ones fail too, and the next pass retries).
      const results = await Promise.allSettled(fresh.map((f) => this.o.store.append(doc, f)))
      // Those that committed are told (and their origin kept) even when a later one failed.
      let appended = 0
      for (const [i, r] of results.entries()) {
        if (r.status === 'rejected') throw r.reason
        const f = fresh[i] as (typeof fresh)[number]
        if (from !== undefined) this.o.recent?.record(doc, r.value, from)
        this.o.onImported(doc, r.value, f.bytes)
        appended++
      }
      return { appended, waiting: pending.length }
    })
  }
}
