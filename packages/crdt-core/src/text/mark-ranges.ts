/**
 * Each mark op's visible range [froms[i], tos[i]), kept across the text's
 * edits, and the ops that overlap a window found without visiting them all.
 *
 * A keystroke's change event and a binding's render read the marks of a
 * window a few characters wide. A formatted note holds thousands of ops, and
 * scanning every one per read cost about 12 µs per keystroke at 100 KB
 * (bench:rich). So the ops are also kept sorted by where they start
 * (`order`), with the widest range as a bound (`maxSpan`): an op overlapping
 * [from, to) starts in [from - maxSpan, to), which two binary searches find.
 * A document with one very wide mark (a whole note in bold) falls back to
 * visiting most ops, as before.
 *
 * The ranges follow inserts and deletes as integer shifts. Both keep the
 * start order, except among ops that started exactly at an insert point:
 * they may move past the new text or not, by their anchor's side, and that
 * small group is sorted again in place.
 */
export class MarkRanges {
  readonly froms: number[] = []
  readonly tos: number[] = []
  /** Indices 0..size-1, sorted by `froms` (ties in any order) up to `sorted`; later ones were pushed since. */
  private readonly order: number[] = []
  private sorted = 0
  /** At least the widest range (tos - froms) of any op. */
  private maxSpan = 0

  get size(): number {
    return this.order.length
  }

  clear(): void {
    this.froms.length = 0
    this.tos.length = 0
    this.order.length = 0
    this.sorted = 0
    this.maxSpan = 0
  }

  /** Adds op `size` with range [from, to). */
  push(from: number, to: number): void {
    this.order.push(this.froms.length)
    this.froms.push(from)
    this.tos.push(to)
    if (to - from > this.maxSpan) this.maxSpan = to - from
  }

  /** Puts pushed ops in order: a few (a format while typing) by binary insertion, many (a load) by one sort. */
  private settle(): void {
    const order = this.order
    if (this.sorted === order.length) return
    const froms = this.froms
    if (order.length - this.sorted > 16) order.sort((a, b) => froms[a]! - froms[b]!)
    else {
      const pushed = order.splice(this.sorted)
      for (const i of pushed) {
        this.sorted = order.length
        order.splice(this.firstStartingAt(froms[i]!), 0, i)
      }
    }
    this.sorted = order.length
  }

  /**
   * `length` characters were inserted at `index`. A bound past it moves by
   * `length`; a bound exactly at it is placed again by `rebound` (start:
   * false, end: true), which reads its anchor's side.
   */
  shiftForInsert(index: number, length: number, rebound: (op: number, isEnd: boolean) => number): void {
    this.settle()
    const froms = this.froms
    const tos = this.tos
    let span = 0
    let tied = false
    let unsorted = false
    for (let i = 0; i < froms.length; i++) {
      const f = froms[i]!
      const t = tos[i]!
      let nf = f
      if (f > index) nf = froms[i] = f + length
      else if (f === index) {
        nf = froms[i] = rebound(i, false)
        tied = true
        // Text is inserted as one run, so the anchor lands on one side of all of it.
        if (nf !== index && nf !== index + length) unsorted = true
      }
      let nt = t
      if (t > index) nt = tos[i] = t + length
      else if (t === index) nt = tos[i] = rebound(i, true)
      if (nt - nf > span) span = nt - nf
    }
    this.maxSpan = span
    if (unsorted) this.order.sort((a, b) => froms[a]! - froms[b]!)
    else if (tied) this.resortTies(index, index + length)
  }

  /** `length` characters at `index` were deleted: bounds inside close up to `index`, bounds past move back. */
  shiftForDelete(index: number, length: number): void {
    const froms = this.froms
    const tos = this.tos
    const end = index + length
    for (let i = 0; i < froms.length; i++) {
      const f = froms[i]!
      const t = tos[i]!
      if (f > index) froms[i] = f >= end ? f - length : index
      if (t > index) tos[i] = t >= end ? t - length : index
    }
    // Every bound moves by a non-decreasing map: the start order holds, and no range grew.
  }

  /** Calls `visit(i)` for each op whose non-empty range overlaps [from, to). */
  overlapping(from: number, to: number, visit: (op: number) => void): void {
    const froms = this.froms
    const tos = this.tos
    this.settle()
    const order = this.order
    const end = this.firstStartingAt(to)
    for (let k = this.firstStartingAt(from - this.maxSpan); k < end; k++) {
      const i = order[k]!
      const f = froms[i]!
      const t = tos[i]!
      if (f < t && t > from) visit(i)
    }
  }

  /** The first position among the sorted part of `order` whose op starts at or after `at`. */
  private firstStartingAt(at: number): number {
    const froms = this.froms
    const order = this.order
    let lo = 0
    let hi = this.sorted
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (froms[order[mid]!]! < at) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Ops that started at an insert point now start at `a` or `b`, in any order: sort that run by start. */
  private resortTies(a: number, b: number): void {
    const froms = this.froms
    const order = this.order
    // Sorted everywhere else: ops starting before `a` come first (so the search still finds where
    // they end), and the run is what starts in [a, b].
    const lo = this.firstStartingAt(a)
    let end = lo
    while (end < order.length && froms[order[end]!]! <= b) end++
    // Insertion sort: the run is short (the ops that started at one point).
    for (let k = lo + 1; k < end; k++) {
      const op = order[k]!
      const f = froms[op]!
      let j = k - 1
      while (j >= lo && froms[order[j]!]! > f) {
        order[j + 1] = order[j]!
        j--
      }
      order[j + 1] = op
    }
  }
}
