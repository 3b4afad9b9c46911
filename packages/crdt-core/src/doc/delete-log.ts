import type { Container } from '../containers/container.js'
import { MAX_NARROW } from '../sequence/span.js'
import { RefTable } from '../ref-table.js'
import type { IdRange } from '../sequence/sequence.js'

const INITIAL_CAPACITY = 64
/** Shared by every empty log; never written (a column grows before its first row). */
const NO_ROWS = new Int32Array(0)

/**
 * Delete ops remembered with their dots, oldest first, so a peer slightly
 * behind gets exact deletes (see `DocState.logDelete`).
 *
 * Two ring buffers of typed columns: one row per entry, and one per range
 * (an entry's ranges are the next `rangeCounts` rows of the range ring, so
 * ranges go in and out in entry order). Dropping the oldest entries only
 * moves the two ring heads: the parallel arrays this replaced were spliced
 * from the front, copying every remaining row each time.
 *
 * Containers and replica ids are stored as 4-byte refs into small tables,
 * and counters as 32-bit integers until one needs more (like the span
 * columns): 28 bytes an entry with one range instead of 48 with a pointer
 * and doubles, 41 KB instead of 71 KB for a full default-sized log.
 */
export class DeleteLog {
  private readonly containerRefs = new RefTable<Container>()
  private readonly replicaRefs = new RefTable<number>()

  /** Entry ring: `size` rows from `head`, wrapping at the capacity. */
  private head = 0
  private size = 0
  // The columns start empty and get INITIAL_CAPACITY rows on the first
  // delete: most documents a server holds are never edited while loaded,
  // and seven preallocated columns were 1.8 KB of each one.
  private containers = NO_ROWS
  /** The delete op's dot. */
  private replicas = NO_ROWS
  private counters: Int32Array | Float64Array = NO_ROWS
  /** How many ranges each entry has. */
  private rangeCounts = NO_ROWS

  /** Range ring, in entry order. */
  private rangeHead = 0
  private rangeSize = 0
  private rangeReplicas = NO_ROWS
  private rangeCounters: Int32Array | Float64Array = NO_ROWS
  private rangeLens = NO_ROWS

  get length(): number {
    return this.size
  }

  add(container: Container, replica: number, counter: number, ranges: readonly IdRange[]): void {
    if (this.size === this.replicas.length) this.growEntries()
    this.widenFor(counter)
    const at = wrap(this.head + this.size, this.replicas.length)
    this.containers[at] = this.containerRefs.refOf(container)
    this.replicas[at] = this.replicaRefs.refOf(replica)
    this.counters[at] = counter
    this.rangeCounts[at] = ranges.length
    this.size++
    if (this.rangeSize + ranges.length > this.rangeLens.length) this.growRanges(this.rangeSize + ranges.length)
    const cap = this.rangeLens.length
    let r = wrap(this.rangeHead + this.rangeSize, cap)
    for (const range of ranges) {
      this.widenFor(range.counter)
      this.rangeReplicas[r] = this.replicaRefs.refOf(range.replica)
      this.rangeCounters[r] = range.counter
      this.rangeLens[r] = range.len
      if (++r === cap) r = 0
    }
    this.rangeSize += ranges.length
  }

  /** Drops the oldest entries so `keep` remain, reporting each dropped dot. */
  dropOldest(keep: number, dropped: (replica: number, counter: number) => void): void {
    const n = this.size - keep
    if (n <= 0) return
    const cap = this.replicas.length
    const replicaIds = this.replicaRefs.values
    let nRanges = 0
    let at = this.head
    for (let i = 0; i < n; i++) {
      dropped(replicaIds[this.replicas[at]!]!, this.counters[at]!)
      nRanges += this.rangeCounts[at]!
      if (++at === cap) at = 0
    }
    this.head = at
    this.size -= n
    this.rangeHead = wrap(this.rangeHead + nRanges, this.rangeLens.length)
    this.rangeSize -= nRanges
  }

  /** Every entry, oldest first. */
  forEach(fn: (container: Container, replica: number, counter: number, ranges: IdRange[]) => void): void {
    const cap = this.replicas.length
    const rangeCap = this.rangeLens.length
    const containers = this.containerRefs.values
    const replicaIds = this.replicaRefs.values
    let r = this.rangeHead
    for (let i = 0, at = this.head; i < this.size; i++) {
      const count = this.rangeCounts[at]!
      const ranges: IdRange[] = new Array<IdRange>(count)
      for (let k = 0; k < count; k++) {
        ranges[k] = { replica: replicaIds[this.rangeReplicas[r]!]!, counter: this.rangeCounters[r]!, len: this.rangeLens[r]! }
        if (++r === rangeCap) r = 0
      }
      fn(containers[this.containers[at]!]!, replicaIds[this.replicas[at]!]!, this.counters[at]!, ranges)
      if (++at === cap) at = 0
    }
  }

  /** Makes both counter columns doubles the first time a counter needs more than 31 bits. */
  private widenFor(counter: number): void {
    if (counter <= MAX_NARROW || this.counters instanceof Float64Array) return
    this.counters = Float64Array.from(this.counters)
    this.rangeCounters = Float64Array.from(this.rangeCounters)
  }

  /** 1.25x, like the span columns: the log is a steady share of a document's memory. */
  private growEntries(): void {
    const cap = Math.max(INITIAL_CAPACITY, Math.ceil(this.replicas.length * 1.25))
    const { head, size } = this
    this.containers = unwrapped(this.containers, head, size, new Int32Array(cap))
    this.replicas = unwrapped(this.replicas, head, size, new Int32Array(cap))
    this.counters = unwrapped(this.counters, head, size, newLike(this.counters, cap))
    this.rangeCounts = unwrapped(this.rangeCounts, head, size, new Int32Array(cap))
    this.head = 0
  }

  private growRanges(needed: number): void {
    const cap = Math.max(needed, INITIAL_CAPACITY, Math.ceil(this.rangeLens.length * 1.25))
    const { rangeHead: head, rangeSize: size } = this
    this.rangeReplicas = unwrapped(this.rangeReplicas, head, size, new Int32Array(cap))
    this.rangeCounters = unwrapped(this.rangeCounters, head, size, newLike(this.rangeCounters, cap))
    this.rangeLens = unwrapped(this.rangeLens, head, size, new Int32Array(cap))
    this.rangeHead = 0
  }
}

/** `i` reduced into [0, cap) for 0 <= i < 2 * cap: cheaper than `%`. */
function wrap(i: number, cap: number): number {
  return i >= cap ? i - cap : i
}

function newLike(a: Int32Array | Float64Array, cap: number): Int32Array | Float64Array {
  return a instanceof Int32Array ? new Int32Array(cap) : new Float64Array(cap)
}

/** Copies the `size` ring rows of `from` starting at `head` to the front of `to`, in order. */
function unwrapped<T extends Int32Array | Float64Array>(from: Int32Array | Float64Array, head: number, size: number, to: T): T {
  const firstPart = Math.min(size, from.length - head)
  to.set(from.subarray(head, head + firstPart))
  to.set(from.subarray(0, size - firstPart), firstPart)
  return to
}
