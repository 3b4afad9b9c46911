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

  get size(): number {
    return this.replicas.length
  }

  /** The head of `replica`, or undefined. */
  get(replica: number): number | undefined {
    const i = this.replicas.indexOf(replica)
    return i < 0 ? undefined : this.counters[i]
  }

  /**
   * Folds an applied delta in: whatever its dependencies (or its own dots)
   * cover is implied by it and leaves; its newest dots join. A head is never
   * lowered: a delta may carry an older stretch of a replica.
   */
  advance(self: number, ranges: readonly DotRange[], deps: Deps): void {
    const replicas = this.replicas
    const counters = this.counters
    const n = replicas.length
    if (n + ranges.length > SCAN_LIMIT) {
      this.advanceIndexed(self, ranges, deps)
      return
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
   * `advance` for many heads or ranges (a state of a doc many replicas
   * wrote): the same rule and the same order, with Maps instead of scans,
   * which would be quadratic there.
   */
  private advanceIndexed(self: number, ranges: readonly DotRange[], deps: Deps): void {
    const toOf = new Map<number, number>()
    for (const range of ranges) toOf.set(range.replica, range.to)
    const depOfReplica = new Map<number, number>()
    for (let i = 0; i < deps.replicas.length; i++) depOfReplica.set(deps.replicas[i]!, deps.counters[i]!)
    const replicas = this.replicas
    const counters = this.counters
    const kept = new Set<number>()
    let k = 0
    for (let i = 0; i < replicas.length; i++) {
      const r = replicas[i]!
      const c = counters[i]!
      const to = toOf.get(r) ?? 0
      const implied = c <= (depOfReplica.get(r) ?? 0) || (to > 0 && c <= to)
      if (implied && to === 0) continue
      replicas[k] = r
      counters[k] = implied ? to : c
      kept.add(r)
      k++
    }
    replicas.length = k
    counters.length = k
    for (const range of ranges) {
      if (range.replica === self || kept.has(range.replica)) continue
      kept.add(range.replica)
      replicas.push(range.replica)
      counters.push(range.to)
    }
  }

  /** The heads as dependencies (what the next local delta depends on); empties the set. */
  take(): Deps {
    // The arrays themselves go: the next heads start in fresh ones.
    const deps: Deps = { replicas: this.replicas, counters: this.counters }
    this.replicas = []
    this.counters = []
    return deps
  }
}
