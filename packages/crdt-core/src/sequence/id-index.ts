import { MAX_NARROW, NO_SPAN, growCounters, growInt, type SpanRef, type SpanStore } from './span.js'

/**
 * Finds the span holding an item id. An id run is a stretch of one
 * replica's counters inserted as one span; splitting that span (a delete or
 * an insert inside it) leaves the run whole and chains its pieces in
 * counter order (the store's `nextPiece` column).
 *
 * Per replica, runs are appended in counter order (a replica's inserts
 * arrive in causal, hence counter, order), so the run list stays sorted
 * without inserts in the middle, and finding the run is a binary search.
 * Within a run, the walk starts at the piece found last (lookups cluster
 * where someone types), so it is short in practice. A run whose walk gets
 * long (a pasted page later edited all over) is promoted: its pieces go into
 * an array kept sorted from then on, so lookups are a binary search again.
 * An array for every split run would have been a third of a document's
 * memory; few runs ever get long.
 */
/** Walk length past which a run gets a piece array. */
const LONG_WALK = 32
/** `runCursor` of a run with a piece array (no span ref is negative). */
const LONG_RUN = -2

/**
 * One replica's run ids, sorted by counter: the first `n` of `ids`. An
 * Int32Array rather than a number[] (8 bytes a slot on 64-bit V8): the
 * run list of a one-writer document held 53 KB on automerge-paper.
 */
interface RunList {
  ids: Int32Array
  n: number
}

export class IdIndex {
  /** Run lists per replica ref. */
  private readonly byRep: (RunList | undefined)[] = []
  /** First counter of each run: 32-bit until a counter needs more, like the span columns. */
  private runCtr: Int32Array | Float64Array = new Int32Array(64)
  private runLen: Int32Array = new Int32Array(64)
  /** The run's first piece (lowest counter; splits and joins never change it). */
  private runFirst: Int32Array = new Int32Array(64)
  /**
   * The piece of the run found last: where the next walk starts. LONG_RUN
   * for a promoted run, which walks nothing (a flag column cost a byte a run).
   */
  private runCursor: Int32Array = new Int32Array(64)
  private runCount = 0
  /** Piece arrays of promoted runs, sorted by counter. */
  private readonly longRuns = new Map<number, SpanRef[]>()
  /** The run `findRun` found last by searching, and the run list it is in (see `findRun`). */
  private lastFoundIn: RunList | null = null
  private lastFoundRun = 0

  constructor(private readonly store: SpanStore) {}

  /** The span holding (rep, counter), or NO_SPAN. */
  find(rep: number, counter: number): SpanRef {
    const runs = this.byRep[rep]
    if (runs === undefined) return NO_SPAN
    const run = this.findRun(runs, counter)
    if (run < 0) return NO_SPAN
    let s = this.runCursor[run]!
    if (s === LONG_RUN) {
      const pieces = this.longRuns.get(run)!
      return pieces[this.pieceIndex(pieces, counter)]!
    }
    const { ctr, len, nextPiece } = this.store
    if (counter < ctr[s]!) s = this.runFirst[run]!
    let steps = 0
    while (counter >= ctr[s]! + len[s]!) {
      s = nextPiece[s]!
      steps++
    }
    this.runCursor[run] = s
    if (steps > LONG_WALK) this.promote(run)
    return s
  }

  has(rep: number, counter: number): boolean {
    const runs = this.byRep[rep]
    return runs !== undefined && this.findRun(runs, counter) >= 0
  }

  /** Highest counter of `rep` known here, or 0. */
  maxCounter(rep: number): number {
    const runs = this.byRep[rep]
    if (runs === undefined || runs.n === 0) return 0
    const last = runs.ids[runs.n - 1]!
    return this.runCtr[last]! + this.runLen[last]! - 1
  }

  /** First counter after the run holding (rep, counter), or -1 when unknown. */
  runEndAt(rep: number, counter: number): number {
    const runs = this.byRep[rep]
    const run = runs === undefined ? -1 : this.findRun(runs, counter)
    return run < 0 ? -1 : this.runCtr[run]! + this.runLen[run]!
  }

  /** Grows the run whose last piece span s is by `n` items (`run` when the caller knows it). */
  extendRun(s: SpanRef, n: number, run = this.runOf(s)): void {
    this.runLen[run]! += n
  }

  /** Starts a new run for a freshly placed span. */
  addRun(s: SpanRef): void {
    const run = this.newRun(s)
    const runs = this.runsOf(this.store.rep[s]!)
    const counter = this.store.ctr[s]!
    const ids = pushRunId(runs, run)
    if (runs.n > 1 && this.runCtr[ids[runs.n - 2]!]! > counter) {
      // Out of counter order (only when integrating a state whose runs arrive
      // in document order): keep the list sorted.
      let i = runs.n - 2
      while (i > 0 && this.runCtr[ids[i - 1]!]! > counter) i--
      ids.copyWithin(i + 1, i, runs.n - 1)
      ids[i] = run
    }
  }

  /** Adds a run without keeping order (bulk load; until `sortRuns`, runs cannot be searched). Returns its id. */
  pushRun(s: SpanRef): number {
    const run = this.newRun(s)
    pushRunId(this.runsOf(this.store.rep[s]!), run)
    return run
  }

  sortRuns(): void {
    const ctr = this.runCtr
    for (const runs of this.byRep) if (runs !== undefined) runs.ids.subarray(0, runs.n).sort((a, b) => ctr[a]! - ctr[b]!)
  }

  /** Forgets `right`, folded into `left`, the piece before it in its run. */
  removeSpan(left: SpanRef, right: SpanRef): void {
    const st = this.store
    st.nextPiece[left] = st.nextPiece[right]!
    const run = this.runOf(left)
    const cursor = this.runCursor[run]
    if (cursor === right) this.runCursor[run] = left
    else if (cursor === LONG_RUN) {
      const pieces = this.longRuns.get(run)!
      pieces.splice(this.pieceIndex(pieces, st.ctr[right]!), 1)
    }
  }

  /** Records that `right` was split off `left` (same run, right after it). */
  addSplit(left: SpanRef, right: SpanRef): void {
    const st = this.store
    st.nextPiece[right] = st.nextPiece[left]!
    st.nextPiece[left] = right
    if (this.longRuns.size === 0) return
    const run = this.runOf(left)
    if (this.runCursor[run] === LONG_RUN) {
      const pieces = this.longRuns.get(run)!
      pieces.splice(this.pieceIndex(pieces, st.ctr[left]!) + 1, 0, right)
    }
  }

  /** Gives a run whose pieces took a long walk an array of them (see the class comment). */
  private promote(run: number): void {
    const pieces: SpanRef[] = []
    for (let s = this.runFirst[run]!; s !== NO_SPAN; s = this.store.nextPiece[s]!) pieces.push(s)
    this.longRuns.set(run, pieces)
    this.runCursor[run] = LONG_RUN
  }

  /** Index in `pieces` (sorted by counter) of the piece holding `counter`. */
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

  /** Calls `fn` with every span of replica `rep` whose ids reach past `after`, in counter order. */
  forEachSpanAfter(rep: number, after: number, fn: (s: SpanRef) => void): void {
    const runs = this.byRep[rep]
    if (runs === undefined) return
    // First run with an item above `after`.
    const ids = runs.ids
    let lo = 0
    let hi = runs.n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const run = ids[mid]!
      if (this.runCtr[run]! + this.runLen[run]! - 1 <= after) lo = mid + 1
      else hi = mid
    }
    const next = this.store.nextPiece
    for (let i = lo; i < runs.n; i++) {
      for (let s = this.runFirst[ids[i]!]!; s !== NO_SPAN; s = next[s]!) fn(s)
    }
  }

  /** The run span s is a piece of (spans do not store it: 4 bytes a row). */
  private runOf(s: SpanRef): number {
    return this.findRun(this.byRep[this.store.rep[s]!]!, this.store.ctr[s]!)
  }

  private runsOf(rep: number): RunList {
    let runs = this.byRep[rep]
    if (runs === undefined) {
      while (this.byRep.length < rep) this.byRep.push(undefined)
      this.byRep[rep] = runs = { ids: new Int32Array(4), n: 0 }
    }
    return runs
  }

  private newRun(s: SpanRef): number {
    const run = this.runCount++
    if (run === this.runCtr.length) {
      const cap = Math.ceil(run * 1.25)
      this.runCtr = growCounters(this.runCtr, cap)
      this.runLen = growInt(this.runLen, cap)
      this.runFirst = growInt(this.runFirst, cap)
      this.runCursor = growInt(this.runCursor, cap)
    }
    const counter = this.store.ctr[s]!
    if (counter > MAX_NARROW && this.runCtr instanceof Int32Array) this.runCtr = Float64Array.from(this.runCtr)
    this.runCtr[run] = counter
    this.runLen[run] = this.store.len[s]!
    this.runFirst[run] = s
    this.runCursor[run] = s
    this.store.nextPiece[s] = NO_SPAN
    return run
  }

  /** Run of `runs` holding `counter`, or -1. */
  private findRun(runs: RunList, counter: number): number {
    const ctr = this.runCtr
    const len = this.runLen
    const ids = runs.ids
    let hi = runs.n - 1
    if (hi < 0) return -1
    // Fast path: the newest run (local typing, sequential remote edits).
    const last = ids[hi]!
    if (counter >= ctr[last]!) return counter < ctr[last]! + len[last]! ? last : -1
    // Next, the older run found last: a remote delete is looked up to be
    // validated and again to be applied. Runs never move or shrink, so a
    // run found once holds its counters for good.
    const seen = this.lastFoundRun
    if (runs === this.lastFoundIn && counter >= ctr[seen]! && counter < ctr[seen]! + len[seen]!) return seen
    let lo = 0
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (ctr[ids[mid]!]! <= counter) lo = mid
      else hi = mid - 1
    }
    const run = ids[lo]!
    if (counter < ctr[run]! || counter >= ctr[run]! + len[run]!) return -1
    this.lastFoundIn = runs
    this.lastFoundRun = run
    return run
  }
}

/** Appends a run id to a run list, growing it (1.25x once past a few runs, like the other columns). Returns the ids array. */
function pushRunId(runs: RunList, run: number): Int32Array {
  if (runs.n === runs.ids.length) {
    const cap = runs.n < 64 ? runs.n * 2 : Math.ceil(runs.n * 1.25)
    runs.ids = growInt(runs.ids, cap)
  }
  runs.ids[runs.n++] = run
  return runs.ids
}
