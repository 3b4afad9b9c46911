import type { Container } from '../containers/container.js'
import type { IdRange } from '../sequence/sequence.js'

/**
 * Delete ops remembered with their dots, oldest first, so a peer slightly
 * behind gets exact deletes (see `DocState.logDelete`). Kept as parallel
 * number arrays, which V8 stores unboxed: an object per entry with its range
 * array and boxed 53-bit replica ids cost about 250 bytes, a row about 50.
 */
export class DeleteLog {
  private readonly containers: Container[] = []
  private readonly replicas: number[] = []
  private readonly counters: number[] = []
  /** How many ranges each entry has; its ranges follow the earlier entries' in the range columns. */
  private readonly rangeCounts: number[] = []
  private readonly rangeReplicas: number[] = []
  private readonly rangeCounters: number[] = []
  private readonly rangeLens: number[] = []

  get length(): number {
    return this.replicas.length
  }

  add(container: Container, replica: number, counter: number, ranges: readonly IdRange[]): void {
    this.containers.push(container)
    this.replicas.push(replica)
    this.counters.push(counter)
    this.rangeCounts.push(ranges.length)
    for (const r of ranges) {
      this.rangeReplicas.push(r.replica)
      this.rangeCounters.push(r.counter)
      this.rangeLens.push(r.len)
    }
  }

  /** Drops the oldest entries so `keep` remain, reporting each dropped dot. */
  dropOldest(keep: number, dropped: (replica: number, counter: number) => void): void {
    const n = this.length - keep
    if (n <= 0) return
    let nRanges = 0
    for (let i = 0; i < n; i++) {
      dropped(this.replicas[i]!, this.counters[i]!)
      nRanges += this.rangeCounts[i]!
    }
    this.containers.splice(0, n)
    this.replicas.splice(0, n)
    this.counters.splice(0, n)
    this.rangeCounts.splice(0, n)
    this.rangeReplicas.splice(0, nRanges)
    this.rangeCounters.splice(0, nRanges)
    this.rangeLens.splice(0, nRanges)
  }

  /** Every entry, oldest first. */
  forEach(fn: (container: Container, replica: number, counter: number, ranges: IdRange[]) => void): void {
    let at = 0
    for (let i = 0; i < this.replicas.length; i++) {
      const count = this.rangeCounts[i]!
      const ranges: IdRange[] = new Array<IdRange>(count)
      for (let k = 0; k < count; k++, at++) {
        ranges[k] = { replica: this.rangeReplicas[at]!, counter: this.rangeCounters[at]!, len: this.rangeLens[at]! }
      }
      fn(this.containers[i]!, this.replicas[i]!, this.counters[i]!, ranges)
    }
  }
}
