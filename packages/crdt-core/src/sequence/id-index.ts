import { NO_SPAN, type SpanRef, type SpanStore } from './span.js'

/**
 * Finds the span holding an item id. An id run is a stretch of one
 * replica's counters inserted as one span; splitting that span (a delete or
 * an insert inside it) leaves the run whole and records its pieces.
 *
 * Per replica, runs are appended in counter order (a replica's inserts
 * arrive in causal, hence counter, order), so the run list stays sorted
 * without inserts in the middle. Runs are rows of parallel arrays like
 * spans; only a run split into pieces gets a piece array (most never split).
 */
export class IdIndex {
  /** Run ids per replica ref, sorted by counter. */
  private readonly byRep: number[][] = []
  private runCtr: Float64Array = new Float64Array(64)
  private runLen: Float64Array = new Float64Array(64)
  /** The run's only span while it has not been split. */
  private runFirst: Int32Array = new Int32Array(64)
  /** Pieces of a split run, sorted by counter; null while unsplit. */
  private readonly runPieces: (SpanRef[] | null)[] = []
  private runCount = 0

  constructor(private readonly store: SpanStore) {}

  /** The span holding (rep, counter), or NO_SPAN. */
  find(rep: number, counter: number): SpanRef {
    const runs = this.byRep[rep]
    if (runs === undefined) return NO_SPAN
    const run = this.findRun(runs, counter)
    if (run < 0) return NO_SPAN
    const pieces = this.runPieces[run]!
    return pieces === null ? this.runFirst[run]! : pieces[this.pieceIndex(pieces, counter)]!
  }

  has(rep: number, counter: number): boolean {
    const runs = this.byRep[rep]
    return runs !== undefined && this.findRun(runs, counter) >= 0
  }

  /** Highest counter of `rep` known here, or 0. */
  maxCounter(rep: number): number {
    const runs = this.byRep[rep]
    if (runs === undefined || runs.length === 0) return 0
    const last = runs[runs.length - 1]!
    return this.runCtr[last]! + this.runLen[last]! - 1
  }

  /** First counter after the run of span s. */
  runEnd(s: SpanRef): number {
    const run = this.store.run[s]!
    return this.runCtr[run]! + this.runLen[run]!
  }

  /** Grows the run of span s, whose last piece s is, by `n` items. */
  extendRun(s: SpanRef, n: number): void {
    this.runLen[this.store.run[s]!]! += n
  }

  /** Starts a new run for a freshly placed span. */
  addRun(s: SpanRef): void {
    const run = this.newRun(s)
    const runs = this.runsOf(this.store.rep[s]!)
    const counter = this.store.ctr[s]!
    const last = runs[runs.length - 1]
    if (last !== undefined && this.runCtr[last]! > counter) {
      // Out of counter order (only when integrating a state whose runs arrive
      // in document order): keep the list sorted.
      let i = runs.length - 1
      while (i > 0 && this.runCtr[runs[i - 1]!]! > counter) i--
      runs.splice(i, 0, run)
    } else {
      runs.push(run)
    }
  }

  /** Adds a run without keeping order (bulk load); call `sortRuns` afterwards. */
  pushRun(s: SpanRef): void {
    this.runsOf(this.store.rep[s]!).push(this.newRun(s))
  }

  sortRuns(): void {
    const ctr = this.runCtr
    for (const runs of this.byRep) if (runs !== undefined) runs.sort((a, b) => ctr[a]! - ctr[b]!)
  }

  /** Forgets a span that was folded into its left neighbour (same run). */
  removeSpan(s: SpanRef): void {
    const pieces = this.runPieces[this.store.run[s]!]!
    pieces.splice(this.pieceIndex(pieces, this.store.ctr[s]!), 1)
  }

  /** Records that `right` was split off `left` (same run, right after it). */
  addSplit(left: SpanRef, right: SpanRef): void {
    const run = this.store.run[left]!
    this.store.run[right] = run
    const pieces = this.runPieces[run]!
    if (pieces === null) {
      this.runPieces[run] = [left, right]
      return
    }
    // A fresh exact-size array, not splice: splice leaves spare capacity, and
    // thousands of small piece arrays made up a third of a document's memory.
    const at = this.pieceIndex(pieces, this.store.ctr[left]!) + 1
    const grown: SpanRef[] = new Array<SpanRef>(pieces.length + 1)
    for (let i = 0; i < at; i++) grown[i] = pieces[i]!
    grown[at] = right
    for (let i = at; i < pieces.length; i++) grown[i + 1] = pieces[i]!
    this.runPieces[run] = grown
  }

  /** Calls `fn` with every span of replica `rep` whose ids reach past `after`, in counter order. */
  forEachSpanAfter(rep: number, after: number, fn: (s: SpanRef) => void): void {
    const runs = this.byRep[rep]
    if (runs === undefined) return
    // First run with an item above `after`.
    let lo = 0
    let hi = runs.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const run = runs[mid]!
      if (this.runCtr[run]! + this.runLen[run]! - 1 <= after) lo = mid + 1
      else hi = mid
    }
    for (let i = lo; i < runs.length; i++) {
      const run = runs[i]!
      const pieces = this.runPieces[run]!
      if (pieces === null) fn(this.runFirst[run]!)
      else for (const s of pieces) fn(s)
    }
  }

  private runsOf(rep: number): number[] {
    let runs = this.byRep[rep]
    if (runs === undefined) {
      while (this.byRep.length < rep) this.byRep.push(undefined as never)
      this.byRep[rep] = runs = []
    }
    return runs
  }

  private newRun(s: SpanRef): number {
    const run = this.runCount++
    if (run === this.runCtr.length) {
      const cap = Math.ceil(run * 1.5)
      this.runCtr = growFloat(this.runCtr, cap)
      this.runLen = growFloat(this.runLen, cap)
      const first = new Int32Array(cap)
      first.set(this.runFirst)
      this.runFirst = first
    }
    this.runCtr[run] = this.store.ctr[s]!
    this.runLen[run] = this.store.len[s]!
    this.runFirst[run] = s
    this.runPieces.push(null)
    this.store.run[s] = run
    return run
  }

  /** Run of `runs` holding `counter`, or -1. */
  private findRun(runs: number[], counter: number): number {
    const ctr = this.runCtr
    const len = this.runLen
    let hi = runs.length - 1
    if (hi < 0) return -1
    // Fast path: the newest run (local typing, sequential remote edits).
    const last = runs[hi]!
    if (counter >= ctr[last]!) return counter < ctr[last]! + len[last]! ? last : -1
    let lo = 0
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (ctr[runs[mid]!]! <= counter) lo = mid
      else hi = mid - 1
    }
    const run = runs[lo]!
    return counter >= ctr[run]! && counter < ctr[run]! + len[run]! ? run : -1
  }

  /** Index of the piece holding `counter` (binary search: a run split many times has many pieces). */
  private pieceIndex(pieces: SpanRef[], counter: number): number {
    const ctr = this.store.ctr
    let lo = 0
    let hi = pieces.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (ctr[pieces[mid]!]! <= counter) lo = mid
      else hi = mid - 1
    }
    return lo
  }
}

function growFloat(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap)
  b.set(a)
  return b
}
