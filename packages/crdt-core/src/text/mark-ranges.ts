/**
 * Each mark op's visible range [from(i), to(i)), kept across the text's
 * edits, and the ops that overlap a window found without visiting them all.
 *
 * A keystroke's change event and a binding's render read the marks of a
 * window a few characters wide, and every keystroke moves the ranges after
 * it. A formatted note holds thousands of ops: scanning every one per read
 * cost about 12 µs per keystroke at 100 KB (bench:rich), and so did moving
 * every one per insert (12-20 µs). So:
 *
 * - The ops are kept sorted by where they start, with the widest range as a
 *   bound (`maxSpan`): an op overlapping [from, to) starts in
 *   [from - maxSpan, to), which two searches of the start order find. A document with
 *   one very wide mark (a whole note in bold) falls back to visiting most
 *   ops.
 * - An edit moves every op that starts after it by the same amount, and
 *   those are a suffix of the start order. That shift is recorded once, in a
 *   Fenwick tree over sorted positions (a position's bounds are its stored
 *   bounds plus the shifts at or before it), so an edit costs a few
 *   logarithmic steps plus the ops that start within `maxSpan` before it,
 *   whose ends it may move.
 *
 * Ties: ops that started exactly at an insert point may move past the new
 * text or not, by their anchor's side, and that small run is sorted again
 * in place.
 */
export class MarkRanges {
  /** The op at each sorted position. */
  private opAt: number[] = []
  /** The sorted position of each op (settled ops only). */
  private posOf: number[] = []
  /** Each position's bounds less the shift of its position (`shiftAt`). */
  private baseFrom: number[] = []
  private baseTo: number[] = []
  /** What each edit added to the positions from k on, by k: `shiftAt(k)` is their sum up to k. */
  private adds: number[] = []
  /** Fenwick tree (1-based) over `adds`, for that sum in log time. */
  private tree: number[] = [0]
  /** Ops pushed since the last sort, with their bounds; placed by `settle`. */
  private pushedFrom: number[] = []
  private pushedTo: number[] = []
  /** At least the widest range (to - from) of any op. */
  private maxSpan = 0

  get size(): number {
    return this.opAt.length + this.pushedFrom.length
  }

  clear(): void {
    this.rebuild([], [])
  }

  /** Adds op `size` with range [from, to). */
  push(from: number, to: number): void {
    this.pushedFrom.push(from)
    this.pushedTo.push(to)
  }

  /** Op `op`'s visible start. */
  from(op: number): number {
    this.settle()
    const k = this.posOf[op]!
    return this.baseFrom[k]! + this.shiftAt(k)
  }

  /** Op `op`'s visible end. */
  to(op: number): number {
    this.settle()
    const k = this.posOf[op]!
    return this.baseTo[k]! + this.shiftAt(k)
  }

  /**
   * `length` characters were inserted at `index`. A bound past it moves by
   * `length`; a bound exactly at it is placed again by `rebound` (start:
   * false, end: true), which reads its anchor's side. An op's start never
   * passes its end (anchors keep their order in the sequence), so the shift
   * of the ops after the insert point moves both bounds of each. An op
   * whose anchors are out of order (only a forged delta has one) is empty
   * for good: its bounds may then drift from its anchors, but its start
   * stays at or past its end, so it is never found.
   */
  shiftForInsert(index: number, length: number, rebound: (op: number, isEnd: boolean) => number): void {
    this.settle()
    const after = this.firstStartingAt(index + 1)
    const tied = this.firstStartingAt(index)
    // Ops starting after the insert point move whole; before it, only ends at or past it move.
    let unsorted = false
    this.visitPositions(this.firstStartingAt(index - this.maxSpan), after, (k, f, t, shift) => {
      let nf = f
      if (f === index) {
        nf = rebound(this.opAt[k]!, false)
        this.baseFrom[k] = nf - shift
        // Text is inserted as one run, so the anchor lands on one side of all of it.
        if (nf !== index && nf !== index + length) unsorted = true
      }
      const nt = t > index ? t + length : t === index ? rebound(this.opAt[k]!, true) : t
      this.baseTo[k] = nt - shift
      if (nt - nf > this.maxSpan) this.maxSpan = nt - nf
    })
    this.addFrom(after, length)
    if (unsorted) this.resort()
    else if (tied < after) this.resortRun(tied, after)
  }

  /** `length` characters at `index` were deleted: bounds inside close up to `index`, bounds past move back. */
  shiftForDelete(index: number, length: number): void {
    this.settle()
    const end = index + length
    const past = this.firstStartingAt(end)
    this.visitPositions(this.firstStartingAt(index - this.maxSpan), past, (k, f, t, shift) => {
      if (f > index) this.baseFrom[k] = index - shift
      if (t > index) this.baseTo[k] = (t >= end ? t - length : index) - shift
    })
    this.addFrom(past, -length)
    // Every bound moves by a non-decreasing map: the start order holds, and no range grew.
  }

  /** Calls `visit(op, from, to)` for each op whose non-empty range overlaps [from, to). */
  overlapping(from: number, to: number, visit: (op: number, from: number, to: number) => void): void {
    this.settle()
    this.visitPositions(this.firstStartingAt(from - this.maxSpan), this.firstStartingAt(to), (k, f, t) => {
      if (f < t && t > from) visit(this.opAt[k]!, f, t)
    })
  }

  /** Calls `visit` for sorted positions [lo, hi) with their bounds and shift, walking the shift along. */
  private visitPositions(lo: number, hi: number, visit: (k: number, from: number, to: number, shift: number) => void): void {
    if (lo >= hi) return
    let shift = this.shiftAt(lo)
    for (let k = lo; k < hi; k++) {
      if (k > lo) shift += this.adds[k]!
      visit(k, this.baseFrom[k]! + shift, this.baseTo[k]! + shift, shift)
    }
  }

  /** The sum of what edits added at positions 0..k. */
  private shiftAt(k: number): number {
    let sum = 0
    for (let i = k + 1; i > 0; i -= i & -i) sum += this.tree[i]!
    return sum
  }

  /** Moves every position from k on by `delta`. */
  private addFrom(k: number, delta: number): void {
    const n = this.opAt.length
    if (k >= n || delta === 0) return
    this.adds[k] = this.adds[k]! + delta
    for (let i = k + 1; i <= n; i += i & -i) this.tree[i] = this.tree[i]! + delta
  }

  /**
   * The first sorted position whose op starts at or after `at`: how many start before it. A descent
   * over the Fenwick tree (starts are sorted, so "starts before `at`" holds for a prefix), which
   * reads each position's shift on the way down instead of a `shiftAt` per probe of a binary search:
   * O(log n) rather than O(log² n), and an insert asks three times.
   */
  private firstStartingAt(at: number): number {
    const n = this.opAt.length
    let count = 0
    let shift = 0
    for (let step = highBit(n); step > 0; step >>>= 1) {
      const next = count + step
      // While `count` is a multiple of 2·step, tree[next] sums the adds of positions count..next-1.
      if (next <= n && this.baseFrom[next - 1]! + shift + this.tree[next]! < at) {
        count = next
        shift += this.tree[next]!
      }
    }
    return count
  }

  /**
   * Places pushed ops (from a load or a format, not from typing): merged into the start order with
   * the shifts folded into the stored bounds, O(ops) like the splice it replaces.
   */
  private settle(): void {
    const pushed = this.pushedFrom.length
    if (pushed === 0) return
    const settled = this.opAt.length
    const incoming = Array.from({ length: pushed }, (_, i) => i).sort((a, b) => this.pushedFrom[a]! - this.pushedFrom[b]!)
    const opAt = new Array<number>(settled + pushed)
    const froms = new Array<number>(opAt.length)
    const tos = new Array<number>(opAt.length)
    let shift = 0
    let k = 0
    let i = 0
    for (let out = 0; out < opAt.length; out++) {
      if (k < settled && (i === pushed || this.baseFrom[k]! + shift + this.adds[k]! <= this.pushedFrom[incoming[i]!]!)) {
        shift += this.adds[k]!
        opAt[out] = this.opAt[k]!
        froms[out] = this.baseFrom[k]! + shift
        tos[out] = this.baseTo[k]! + shift
        k++
      } else {
        const p = incoming[i++]!
        opAt[out] = settled + p
        froms[out] = this.pushedFrom[p]!
        tos[out] = this.pushedTo[p]!
      }
    }
    this.use(opAt, froms, tos)
  }

  /** Sorts every op again by its current start (a bound was placed out of order). */
  private resort(): void {
    const n = this.opAt.length
    const froms = new Array<number>(n)
    const tos = new Array<number>(n)
    let shift = 0
    for (let k = 0; k < n; k++) {
      shift += this.adds[k]!
      const op = this.opAt[k]!
      froms[op] = this.baseFrom[k]! + shift
      tos[op] = this.baseTo[k]! + shift
    }
    this.rebuild(froms, tos)
  }

  /** Starts over from each op's bounds (by op index): sorted, no shifts, `maxSpan` exact. */
  private rebuild(froms: number[], tos: number[]): void {
    const opAt = Array.from({ length: froms.length }, (_, i) => i).sort((a, b) => froms[a]! - froms[b]!)
    this.use(
      opAt,
      opAt.map((op) => froms[op]!),
      opAt.map((op) => tos[op]!),
    )
  }

  /** Takes ops in start order with their bounds by position: no shifts, `maxSpan` exact. */
  private use(opAt: number[], froms: number[], tos: number[]): void {
    const n = opAt.length
    this.opAt = opAt
    this.baseFrom = froms
    this.baseTo = tos
    this.posOf = new Array<number>(n)
    this.maxSpan = 0
    for (let k = 0; k < n; k++) {
      this.posOf[opAt[k]!] = k
      if (tos[k]! - froms[k]! > this.maxSpan) this.maxSpan = tos[k]! - froms[k]!
    }
    this.adds = new Array<number>(n).fill(0)
    this.tree = new Array<number>(n + 1).fill(0)
    this.pushedFrom = []
    this.pushedTo = []
  }

  /** Sorts positions [lo, hi) by start (a short run: the ops that started at one insert point). */
  private resortRun(lo: number, hi: number): void {
    const run: { op: number; from: number; to: number }[] = []
    this.visitPositions(lo, hi, (k, from, to) => run.push({ op: this.opAt[k]!, from, to }))
    run.sort((a, b) => a.from - b.from)
    let shift = this.shiftAt(lo)
    for (let k = lo; k < hi; k++) {
      if (k > lo) shift += this.adds[k]!
      const r = run[k - lo]!
      this.opAt[k] = r.op
      this.posOf[r.op] = k
      this.baseFrom[k] = r.from - shift
      this.baseTo[k] = r.to - shift
    }
  }
}

/** The highest power of two at most `n` (0 for 0). */
function highBit(n: number): number {
  return n === 0 ? 0 : 1 << (31 - Math.clz32(n))
}
