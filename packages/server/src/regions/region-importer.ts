import { inspectDelta } from '@weft/crdt-core'
import type { Logger } from 'pino'
import type { Store, VersionVector } from '../store/store.js'
import type { DocDigests } from './doc-digests.js'
import type { RecentImports } from './recent-imports.js'
import type { SinceAnswer } from './region-wire.js'

/** Called for each delta appended from a peer: tell this region's nodes and subscribers. */
export type OnImported = (doc: string, seq: number, delta: Uint8Array) => void

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

  /** Imports an answer from peer `from`; resolves with the number of deltas appended (0: nothing was new). */
  import(doc: string, answer: SinceAnswer, from?: string): Promise<number> {
    return this.serial(doc, async () => {
      const vv = { ...(await this.o.store.head(doc)).vv }
      const fresh: { bytes: Uint8Array; ranges: ReturnType<typeof inspectDelta>['ranges'] }[] = []
      for (const bytes of answer.snapshot ? [answer.snapshot, ...answer.deltas] : answer.deltas) {
        const { ranges } = inspectDelta(bytes)
        if (!ranges.some((r) => r.to > (vv[r.replica] ?? 0))) continue
        for (const r of ranges) if (r.to > (vv[r.replica] ?? 0)) vv[r.replica] = r.to
        fresh.push({ bytes, ranges })
      }
      // Issued together, in order: the store commits them in call order, in one group commit
      // where it batches ([STORE-2]: once one fails the later ones fail too, and the next pass retries).
      const seqs = await Promise.all(fresh.map((f) => this.o.store.append(doc, f)))
      fresh.forEach((f, i) => {
        if (from !== undefined) this.o.recent?.record(doc, seqs[i] as number, from)
        this.o.onImported(doc, seqs[i] as number, f.bytes)
      })
      const appended = fresh.length
      return appended
    })
  }
}
