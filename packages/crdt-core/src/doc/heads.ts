import { NO_DEPS, depOf, type Deps, type DotRange } from '../delta/types.js'

/**
 * The frontier of what arrived since this replica's last local transaction:
 * other replicas' newest dots that no later arrival depends on. The next
 * local delta depends on exactly these (its own previous dot implies the
 * rest), so with many concurrent writers a keystroke names the few heads it
 * follows, not every writer.
 *
 * A handful of entries at most, folded once per remote delta: parallel
 * arrays scanned in place, where a Map would allocate an entry per
 * iteration and churn on delete and re-insert.
 */
/** Up to this many heads and ranges, scans beat Maps. */
const SCAN_LIMIT = 32

export class Heads {
  private replicas: number[] = []
  private counters: number[] = []
  /**
   * Past SCAN_LIMIT heads (a doc that many replicas wrote to concurrently,
   * e.g. a server's copy): replica -> head, in insertion order. Then a delta
   * touches only the heads its ranges and dependencies name, so folding one
   * costs O(its size), not O(every replica the doc has seen).
   */
  private index: Map<number, number> | undefined

  get size(): number {
    return this.index ? this.index.size : this.replicas.length
  }

  /** The head of `replica`, or undefined. */
  get(replica: number): number | undefined {
    if (this.index) return this.index.get(replica)
    const i = this.replicas.indexOf(replica)
    return i < 0 ? undefined : this.counters[i]
  }

  /**
   * Folds an applied delta in: whatever its dependencies (or its own dots)
   * cover is implied by it and leaves; its newest dots join. A head is never
   * lowered: a delta may carry an older stretch of a replica.
   */
  advance(self: number, ranges: readonly DotRange[], deps: Deps): void {
    if (this.index) return this.advanceIndexed(this.index, self, ranges, deps)
    const replicas = this.replicas
    const counters = this.counters
    const n = replicas.length
    if (n + ranges.length > SCAN_LIMIT) {
      const index = new Map<number, number>()
      for (let i = 0; i < n; i++) index.set(replicas[i]!, counters[i]!)
      this.index = index
      this.replicas = []
      this.counters = []
      return this.advanceIndexed(index, self, ranges, deps)
    }
    let kept = 0
    for (let i = 0; i < n; i++) {
      const r = replicas[i]!
      const c = counters[i]!
      let implied = deps !== NO_DEPS && c <= depOf(deps, r)
      // The end of the delta's range for r (0: it carries none).
      let to = 0
      for (let k = 0; k < ranges.length; k++) {
        if (ranges[k]!.replica !== r) continue
        to = ranges[k]!.to
        if (c <= to) implied = true
      }
      if (implied && to === 0) continue
      replicas[kept] = r
      counters[kept] = implied ? to : c
      kept++
    }
    if (kept < n) {
      replicas.length = kept
      counters.length = kept
    }
    for (let k = 0; k < ranges.length; k++) {
      const range = ranges[k]!
      if (range.replica === self) continue
      let known = false
      for (let i = 0; i < kept; i++) if (replicas[i] === range.replica) known = true
      if (known) continue
      replicas.push(range.replica)
      counters.push(range.to)
      kept++
    }
  }

  /**
   * `advance` over the index: the same rule and the same order, visiting only
   * the heads the delta's dependencies and ranges name (no other head can be
   * implied by it).
   */
  private advanceIndexed(index: Map<number, number>, self: number, ranges: readonly DotRange[], deps: Deps): void {
    // As in the scan: an existing head compares with the replica's last range, a new head takes its first.
    const lastTo = new Map<number, number>()
    const firstTo = new Map<number, number>()
    for (const range of ranges) {
      lastTo.set(range.replica, range.to)
      if (!firstTo.has(range.replica)) firstTo.set(range.replica, range.to)
    }
    const depMap = deps.replicas.length > SCAN_LIMIT ? new Map(deps.replicas.map((r, i) => [r, deps.counters[i]!])) : undefined
    const dep = (r: number): number => (depMap ? (depMap.get(r) ?? 0) : deps === NO_DEPS ? 0 : depOf(deps, r))
    for (let i = 0; i < deps.replicas.length; i++) {
      const r = deps.replicas[i]!
      const c = index.get(r)
      // Implied by a dependency and not carried by the delta: leaves. (Carried ones are handled below.)
      if (c !== undefined && c <= deps.counters[i]! && !lastTo.has(r)) index.delete(r)
    }
    for (const [r, to] of lastTo) {
      const c = index.get(r)
      if (c === undefined) {
        if (r !== self) index.set(r, firstTo.get(r)!)
        continue
      }
      // Implied with dots carried: the head moves to the range's end (its place kept).
      if (c <= to || c <= dep(r)) index.set(r, to)
    }
  }

  /** The heads as dependencies (what the next local delta depends on); empties the set. */
  take(): Deps {
    if (this.index) {
      const deps: Deps = { replicas: [...this.index.keys()], counters: [...this.index.values()] }
      this.index = undefined
      return deps
    }
    // The arrays themselves go: the next heads start in fresh ones.
    const deps: Deps = { replicas: this.replicas, counters: this.counters }
    this.replicas = []
    this.counters = []
    return deps
  }
}
