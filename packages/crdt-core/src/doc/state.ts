import type { Container } from '../containers/container.js'
import { DeleteLog } from './delete-log.js'
import { containerKey, type ContainerId } from '../containers/kind.js'
import type { IdRange } from '../sequence/sequence.js'
import type { Deps, DotRange } from '../delta/types.js'
import type { VersionVector } from '../version-vector.js'
import { Heads } from './heads.js'
import { Nesting } from './nesting.js'

/** The replicated state of a document, shared by the doc and its apply/encode modules. */
export class DocState {
  private readonly counters = new Map<number, number>()
  /**
   * The replica asked for last and its counter. A local transaction asks for
   * its own three or four times, and a Map keyed by 53-bit ids hashes a boxed
   * number each time.
   */
  private cachedReplica = 0
  private cachedCounter = 0
  /**
   * The cached counter is newer than the Map's entry. Every delta moves its
   * author's counter; writing it back only when another replica is asked
   * for (or the whole vector is read) saves a Map store per remote keystroke.
   */
  private cachedDirty = false

  /** Highest counter seen per replica (the causal context); written only through `setCounter`. */
  get vv(): ReadonlyMap<number, number> {
    this.flushCachedCounter()
    return this.counters
  }
  lamport = 0
  /** Every container, in creation order (encoders walk this). */
  readonly containers = new Map<string, Container>()
  /** Root containers by kind, then name: found per delta without building a key string. */
  readonly roots = new Map<string, Map<string, Container>>()

  /** The container with this id, if it exists. */
  find(id: ContainerId): Container | undefined {
    return id.name !== null ? this.roots.get(id.kind)?.get(id.name) : this.containers.get(containerKey(id))
  }

  add(c: Container): void {
    this.containers.set(containerKey(c.id), c)
    if (c.id.name === null) return
    let byName = this.roots.get(c.id.kind)
    if (byName === undefined) this.roots.set(c.id.kind, (byName = new Map()))
    byName.set(c.id.name, c)
  }
  /** Every delete with its dot, since `historyBase`. */
  readonly deleteLog = new DeleteLog()
  /**
   * Deletes covered by this vector may be missing from `deleteLog` (they came
   * in a state, whose history is folded). A peer whose vector covers it gets
   * exact deletes; any other peer gets every tombstone.
   */
  historyBase: VersionVector = {}
  /** Which container holds each nested one, and its depth. */
  readonly nesting = new Nesting()
  /** What the next local delta depends on (see `Heads`). */
  readonly heads = new Heads()

  /** Folds an applied delta into `heads`. */
  advanceHeads(self: number, ranges: readonly DotRange[], deps: Deps): void {
    this.heads.advance(self, ranges, deps)
  }

  /** Most delete ops remembered with their dots (see `logDelete`). */
  maxDeleteLog = 1024

  /**
   * Remembers a delete op for peers that lack it. The log is bounded: past
   * 1.25 times the bound its oldest entries are folded into `historyBase`
   * (a quarter of the bound at a time, so folding stays amortized O(1)),
   * memory tracks recent activity, and a peer further behind gets every
   * tombstone (a cost bounded by the document's size, not its history).
   */
  logDelete(container: Container, replica: number, counter: number, ranges: readonly IdRange[]): void {
    const log = this.deleteLog
    log.add(container, replica, counter, ranges)
    if (log.length <= this.maxDeleteLog + (this.maxDeleteLog >> 2)) return
    // The newest dropped dot per replica first (a Map keyed by number), then
    // one write each: a 53-bit id as an object key is a string conversion,
    // too dear to pay per dropped entry.
    const newest = new Map<number, number>()
    log.dropOldest(this.maxDeleteLog, (replica, counter) => {
      if (counter > (newest.get(replica) ?? 0)) newest.set(replica, counter)
    })
    const base = { ...this.historyBase }
    for (const [replica, counter] of newest) if (counter > (base[replica] ?? 0)) base[replica] = counter
    this.historyBase = base
  }

  counterOf(replica: number): number {
    if (replica === this.cachedReplica) return this.cachedCounter
    this.flushCachedCounter()
    const counter = this.counters.get(replica) ?? 0
    this.cachedReplica = replica
    this.cachedCounter = counter
    return counter
  }

  setCounter(replica: number, counter: number): void {
    if (replica !== this.cachedReplica) {
      this.flushCachedCounter()
      this.cachedReplica = replica
    }
    this.cachedCounter = counter
    this.cachedDirty = true
  }

  private flushCachedCounter(): void {
    if (!this.cachedDirty) return
    this.counters.set(this.cachedReplica, this.cachedCounter)
    this.cachedDirty = false
  }

  versionVector(): VersionVector {
    const out: VersionVector = {}
    for (const [r, c] of this.vv) if (c > 0) out[r] = c
    return out
  }
}
