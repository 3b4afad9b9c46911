import type { IdRun, Span } from './span.js'

/**
 * Finds the span holding an item id. Per replica, runs are appended in
 * counter order (a replica's inserts arrive in causal, hence counter, order),
 * so the run list stays sorted without inserts in the middle; splitting a
 * span only touches its run's (usually short) span list.
 */
export class IdIndex {
  private readonly byReplica = new Map<number, IdRun[]>()

  /** The span and offset holding (replica, counter), or undefined. */
  find(replica: number, counter: number): Span | undefined {
    const runs = this.byReplica.get(replica)
    if (!runs) return undefined
    const run = findRun(runs, counter)
    if (!run) return undefined
    return run.spans[indexByCounter(run.spans, counter)]
  }

  has(replica: number, counter: number): boolean {
    const runs = this.byReplica.get(replica)
    return runs !== undefined && findRun(runs, counter) !== undefined
  }

  /** Highest counter of `replica` known here, or 0. */
  maxCounter(replica: number): number {
    const runs = this.byReplica.get(replica)
    const last = runs?.[runs.length - 1]
    return last ? last.counter + last.len - 1 : 0
  }

  /** Starts a new run for a freshly integrated span (counter above every known one). */
  addRun(span: Span): IdRun {
    let runs = this.byReplica.get(span.replica)
    if (!runs) this.byReplica.set(span.replica, (runs = []))
    const run: IdRun = { counter: span.counter, len: span.len, spans: [span] }
    const last = runs[runs.length - 1]
    if (last && last.counter > span.counter) {
      // Out of counter order (only when integrating a state whose runs arrive
      // in document order): keep the list sorted.
      let i = runs.length - 1
      while (i > 0 && runs[i - 1]!.counter > span.counter) i--
      runs.splice(i, 0, run)
    } else {
      runs.push(run)
    }
    return run
  }

  /** Adds a run without keeping order (bulk load); call `sortRuns` afterwards. */
  pushRun(span: Span): IdRun {
    let runs = this.byReplica.get(span.replica)
    if (!runs) this.byReplica.set(span.replica, (runs = []))
    const run: IdRun = { counter: span.counter, len: span.len, spans: [span] }
    runs.push(run)
    return run
  }

  sortRuns(): void {
    for (const runs of this.byReplica.values()) runs.sort((a, b) => a.counter - b.counter)
  }

  /** Forgets a span that was folded into its left neighbour (same run). */
  removeSpan(span: Span): void {
    const spans = span.run.spans
    spans.splice(indexByCounter(spans, span.counter), 1)
  }

  /** Records that `right` was split off `left` (same run, right after it). */
  addSplit(left: Span, right: Span): void {
    const spans = left.run.spans
    spans.splice(indexByCounter(spans, left.counter) + 1, 0, right)
    right.run = left.run
  }

  /** Every run of every replica, for encoders. */
  *runs(): Iterable<[replica: number, runs: IdRun[]]> {
    yield* this.byReplica
  }
}

/** Index of the span starting at `counter` (binary search: a run split many times has many spans). */
function indexByCounter(spans: Span[], counter: number): number {
  let lo = 0
  let hi = spans.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (spans[mid]!.counter <= counter) lo = mid
    else hi = mid - 1
  }
  return lo
}

function findRun(runs: IdRun[], counter: number): IdRun | undefined {
  let lo = 0
  let hi = runs.length - 1
  if (hi < 0) return undefined
  // Fast path: the newest run (local typing, sequential remote edits).
  const last = runs[hi]!
  if (counter >= last.counter) return counter < last.counter + last.len ? last : undefined
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (runs[mid]!.counter <= counter) lo = mid
    else hi = mid - 1
  }
  const run = runs[lo]!
  return counter >= run.counter && counter < run.counter + run.len ? run : undefined
}
