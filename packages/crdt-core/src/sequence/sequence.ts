import { IdIndex } from './id-index.js'
import { SpanTree } from './span-tree.js'
import { concatContent, sliceContent, type Content, type Span } from './span.js'

/** An insert as it travels in a delta: a span's ids, origins and content. */
export interface InsertOp {
  replica: number
  counter: number
  len: number
  olReplica: number
  olCounter: number
  orReplica: number
  orCounter: number
  deleted: boolean
  /** null when deleted (only ids and length travel). */
  content: Content | null
}

/** A range of item ids to delete. */
export interface IdRange {
  replica: number
  counter: number
  len: number
}

/**
 * A sequence CRDT (text or list). Concurrent inserts are ordered with the
 * YjsMod / FugueMax rule (left origin, right origin, replica id as the final
 * tie-break), which never interleaves two runs typed concurrently at one place.
 */
export class Sequence {
  private readonly spanTree = new SpanTree()
  private readonly idIndex = new IdIndex()
  /**
   * A loaded state not yet turned into a tree: its spans in document order
   * and its visible content. Reading the text after a load needs nothing
   * more; the first edit or id lookup builds the tree.
   */
  private lazy: { ops: InsertOp[]; visible: number; total: number; content: Content } | null = null
  private loadTail: Span | undefined

  constructor(readonly isText: boolean) {}

  get tree(): SpanTree {
    if (this.lazy !== null) this.materialize()
    return this.spanTree
  }

  get index(): IdIndex {
    if (this.lazy !== null) this.materialize()
    return this.idIndex
  }

  get length(): number {
    return this.lazy !== null ? this.lazy.visible : this.spanTree.visibleLength
  }

  /** Items including tombstones: zero only for a sequence that never held anything. */
  get totalLength(): number {
    return this.lazy !== null ? this.lazy.total : this.spanTree.totalLength
  }

  /** Takes a validated state's spans (document order) into this empty sequence, building nothing yet. */
  loadLazily(ops: InsertOp[]): void {
    let visible = 0
    let total = 0
    const parts: Content[] = []
    for (const op of ops) {
      total += op.len
      if (op.deleted) continue
      visible += op.len
      parts.push(op.content!)
    }
    const content: Content = this.isText ? (parts as string[]).join('') : ([] as unknown[]).concat(...(parts as unknown[][]))
    this.lazy = { ops, visible, total, content }
  }

  private materialize(): void {
    const { ops } = this.lazy!
    this.lazy = null
    for (const op of ops) this.appendLoaded(op)
    this.idIndex.sortRuns()
    this.loadTail = undefined
  }

  /** Inserts `content` at visible `index` as items (replica, counter..). Returns the op for the delta. */
  localInsert(index: number, replica: number, counter: number, content: Content): InsertOp {
    const len = content.length
    let left: Span | undefined
    let leftOffset = 0
    let next: Span | undefined
    let nextOffset = 0
    if (index === 0) {
      next = this.tree.first()
    } else {
      const pos = this.tree.findVisible(index - 1)
      left = pos.span
      leftOffset = pos.offset
      if (leftOffset < left.len - 1) {
        next = left
        nextOffset = leftOffset + 1
      } else {
        next = this.tree.next(left)
      }
    }
    const op: InsertOp = {
      replica,
      counter,
      len,
      olReplica: left ? left.replica : 0,
      olCounter: left ? left.counter + leftOffset : 0,
      orReplica: next ? next.replica : 0,
      orCounter: next ? next.counter + nextOffset : 0,
      deleted: false,
      content,
    }
    this.place(op, left, leftOffset, next, nextOffset)
    return op
  }

  /** Deletes `len` visible items from `index`. Returns the deleted ranges and their content (for undo). */
  localDelete(index: number, len: number): { ranges: IdRange[]; removed: Content[] } {
    const ranges: IdRange[] = []
    const removed: Content[] = []
    let remaining = len
    while (remaining > 0) {
      const { span, offset } = this.tree.findVisible(index)
      const take = Math.min(span.len - offset, remaining)
      const piece = this.isolate(span, offset, take)
      removed.push(piece.content!)
      this.markDeleted(piece)
      const last = ranges[ranges.length - 1]
      if (last && last.replica === piece.replica && last.counter + last.len === piece.counter) last.len += take
      else ranges.push({ replica: piece.replica, counter: piece.counter, len: take })
      remaining -= take
    }
    return { ranges, removed }
  }

  /** How many of the ids (replica, counter .. counter + len - 1) are known, counted from the first. */
  knownPrefix(replica: number, counter: number, len: number): number {
    const end = counter + len
    let c = counter
    for (;;) {
      const span = c < end ? this.index.find(replica, c) : undefined
      if (span === undefined) return Math.min(c, end) - counter
      c = span.run.counter + span.run.len
    }
  }

  /** Highest counter of `replica` known here, or 0. */
  maxCounter(replica: number): number {
    return this.index.maxCounter(replica)
  }

  /**
   * End (exclusive) of the stretch of consecutive ids, starting at
   * (replica, counter), that this sequence holds in one piece with one
   * deletion state; 0 when the item is unknown.
   */
  pieceEnd(replica: number, counter: number): number {
    const span = this.index.find(replica, counter)
    return span === undefined ? 0 : span.counter + span.len
  }

  /** True when item (replica, counter) is known and deleted. */
  isDeletedAt(replica: number, counter: number): boolean {
    return this.index.find(replica, counter)?.deleted ?? false
  }

  /** True when item (replica, counter) is known here. */
  has(replica: number, counter: number): boolean {
    return this.index.has(replica, counter)
  }

  /**
   * Integrates a remote insert. Items already known are skipped (a known
   * prefix, since a replica's items arrive in order), so this is idempotent.
   * The caller guarantees both origins are known.
   */
  integrate(op: InsertOp): void {
    const skip = this.knownPrefix(op.replica, op.counter, op.len)
    if (skip > 0) {
      if (skip === op.len) return
      op = {
        ...op,
        counter: op.counter + skip,
        len: op.len - skip,
        olReplica: op.replica,
        olCounter: op.counter + skip - 1,
        content: op.content === null ? null : sliceContent(op.content, skip),
      }
    }
    // Cursor starts right after the left origin.
    let left: Span | undefined
    let leftOffset = 0
    let x: Span | undefined
    let xOff = 0
    if (op.olReplica === 0) {
      x = this.tree.first()
    } else {
      left = this.index.find(op.olReplica, op.olCounter)!
      leftOffset = op.olCounter - left.counter
      if (leftOffset < left.len - 1) {
        x = left
        xOff = leftOffset + 1
      } else {
        x = this.tree.next(left)
      }
    }
    const startX = x
    const startOff = xOff
    let scanning = false
    let scanX = x
    let scanOff = xOff
    let olPos = -2 // absolute position of our left origin, computed on first need
    while (x !== undefined) {
      if (x.replica === op.orReplica && x.counter + xOff === op.orCounter) break
      const oolReplica = xOff === 0 ? x.olReplica : x.replica
      const oolCounter = xOff === 0 ? x.olCounter : x.counter + xOff - 1
      if (oolReplica === op.olReplica && oolCounter === op.olCounter) {
        if (x.orReplica === op.orReplica && x.orCounter === op.orCounter) {
          // Same origins on both sides: the lower replica id goes first.
          if (op.replica < x.replica) break
          scanning = false
        } else {
          const myRight = this.positionOf(op.orReplica, op.orCounter, Infinity)
          const otherRight = this.positionOf(x.orReplica, x.orCounter, Infinity)
          if (otherRight < myRight) {
            if (!scanning) {
              scanning = true
              scanX = x
              scanOff = xOff
            }
          } else {
            scanning = false
          }
        }
      } else {
        if (olPos === -2) olPos = this.positionOf(op.olReplica, op.olCounter, -1)
        if (this.positionOf(oolReplica, oolCounter, -1) < olPos) break
      }
      x = this.tree.next(x)
      xOff = 0
    }
    if (scanning) {
      x = scanX
      xOff = scanOff
    }
    this.tree.invalidateCache()
    // Still right after the left origin: the op may extend its span.
    const atOrigin = x === startX && xOff === startOff
    this.place(op, atOrigin ? left : undefined, leftOffset, x, xOff)
  }

  /**
   * Appends an insert at the end during a state load (inserts arrive in
   * document order into an empty sequence; call `index.sortRuns()` after).
   */
  appendLoaded(op: InsertOp): void {
    const last = this.loadTail
    if (last !== undefined && continuesSpan(last, op)) {
      this.extend(last, op)
      return
    }
    const span = newSpan(op)
    this.tree.append(span)
    span.run = this.index.pushRun(span)
    this.loadTail = span
  }

  /** Marks the items of `range` deleted. Returns how many were visible. */
  applyDelete(range: IdRange): number {
    let c = range.counter
    const end = range.counter + range.len
    let count = 0
    while (c < end) {
      const span = this.index.find(range.replica, c)
      if (!span) throw new Error(`internal: delete of unknown item ${range.replica}:${c}`)
      const offset = c - span.counter
      const take = Math.min(span.len - offset, end - c)
      if (!span.deleted) {
        this.tree.invalidateCache()
        this.markDeleted(this.isolate(span, offset, take))
        count += take
      }
      c += take
    }
    return count
  }

  /** The visible content, in order. */
  content(): Content {
    if (this.lazy !== null) return this.isText ? this.lazy.content : (this.lazy.content as unknown[]).slice()
    if (this.isText) {
      let s = ''
      for (const span of this.tree.spans()) if (!span.deleted) s += span.content as string
      return s
    }
    const out: unknown[] = []
    for (const span of this.tree.spans()) if (!span.deleted) for (const v of span.content as unknown[]) out.push(v)
    return out
  }

  /** The visible item at `index`. */
  get(index: number): unknown {
    const { span, offset } = this.tree.findVisible(index)
    return (span.content as Content)[offset]
  }

  /** Visible index where item (replica, counter) is, or would be if deleted. */
  visibleIndexOfId(replica: number, counter: number): number {
    const span = this.index.find(replica, counter)
    if (!span) return -1
    return this.tree.visibleIndexOf(span) + (span.deleted ? 0 : counter - span.counter)
  }

  /**
   * Places an insert at the cursor (before item `nextOffset` of `next`, or at
   * the end). When the cursor sits right after the left origin `left` and the
   * op continues `left`'s run, `left` is extended instead (run-length).
   */
  private place(op: InsertOp, left: Span | undefined, leftOffset: number, next: Span | undefined, nextOffset: number): void {
    if (left !== undefined && leftOffset === left.len - 1 && continuesSpan(left, op)) {
      this.extend(left, op)
      return
    }
    const span = newSpan(op)
    if (next === undefined) {
      this.tree.append(span)
    } else if (nextOffset > 0) {
      this.split(next, nextOffset)
      this.tree.insertAfter(next, span)
    } else {
      this.tree.insertBefore(next, span)
    }
    span.run = this.index.addRun(span)
  }

  /** Appends the items of `op` to `span` (see `continuesSpan`). */
  private extend(span: Span, op: InsertOp): void {
    span.len += op.len
    span.run.len += op.len
    if (!op.deleted) span.content = appendContent(span.content!, op.content!)
    this.tree.adjust(span.leaf, op.deleted ? 0 : op.len, op.len)
  }

  /** Splits so that exactly items [offset, offset + len) of `span` form one span, and returns it. */
  private isolate(span: Span, offset: number, len: number): Span {
    let piece = span
    if (offset > 0) piece = this.split(span, offset)
    if (len < piece.len) this.split(piece, len)
    return piece
  }

  /** Splits `span` before item `k` and returns the right part. */
  private split(span: Span, k: number): Span {
    const right: Span = {
      replica: span.replica,
      counter: span.counter + k,
      len: span.len - k,
      olReplica: span.replica,
      olCounter: span.counter + k - 1,
      orReplica: span.orReplica,
      orCounter: span.orCounter,
      deleted: span.deleted,
      content: span.content === null ? null : sliceContent(span.content, k),
      leaf: span.leaf,
      run: span.run,
    }
    span.len = k
    if (span.content !== null) span.content = sliceContent(span.content, 0, k)
    this.tree.insertAfter(span, right, true)
    this.index.addSplit(span, right)
    return right
  }

  private markDeleted(span: Span): void {
    span.deleted = true
    span.content = null
    this.tree.adjust(span.leaf, -span.len, 0)
    // Re-join tombstones of one run that deletions split apart: backspacing
    // over a word leaves one span, not one per character.
    const spans = span.leaf.spans
    const i = spans.indexOf(span)
    const next = spans[i + 1]
    if (next !== undefined && canJoinTombstones(span, next)) this.joinTombstones(span, next, i + 1)
    const prev = spans[i - 1]
    if (prev !== undefined && canJoinTombstones(prev, span)) this.joinTombstones(prev, span, i)
  }

  /** Folds `right` (at `rightIndex` in the leaf) into `left`; counts are unchanged. */
  private joinTombstones(left: Span, right: Span, rightIndex: number): void {
    left.len += right.len
    left.leaf.spans.splice(rightIndex, 1)
    this.index.removeSpan(right)
  }

  /** Absolute position of an item, or `none` for the null id. */
  private positionOf(replica: number, counter: number, none: number): number {
    if (replica === 0) return none
    const span = this.index.find(replica, counter)!
    return this.tree.absoluteIndexOf(span) + (counter - span.counter)
  }
}

/**
 * True when `op` can be appended to `span` as more items of one span: same
 * replica, the next ids of the span's run, left origin the span's last item,
 * the same right origin and deletion state. Typing a word meets this for
 * every keystroke after the first.
 */
function continuesSpan(span: Span, op: InsertOp): boolean {
  return (
    span.replica === op.replica &&
    span.counter + span.len === op.counter &&
    span.run.counter + span.run.len === op.counter &&
    op.olReplica === span.replica &&
    op.olCounter === op.counter - 1 &&
    span.orReplica === op.orReplica &&
    span.orCounter === op.orCounter &&
    span.deleted === op.deleted
  )
}

/**
 * Appends typed content to a span. Text typed a character at a time becomes
 * a V8 rope with one node per character (~32 bytes each); flattening it
 * whenever its length passes a power of two keeps it compact for O(n) total work.
 */
function appendContent(a: Content, b: Content): Content {
  const out = concatContent(a, b)
  if (typeof out === 'string' && out.length >= 16 && (out.length & (out.length - 1)) < b.length) {
    // Number() makes V8 flatten the rope in place; the result is not used.
    void Number(out)
  }
  return out
}

function newSpan(op: InsertOp): Span {
  return {
    replica: op.replica,
    counter: op.counter,
    len: op.len,
    olReplica: op.olReplica,
    olCounter: op.olCounter,
    orReplica: op.orReplica,
    orCounter: op.orCounter,
    deleted: op.deleted,
    content: op.deleted ? null : op.content,
    // Set by the tree and the index right after creation.
    leaf: undefined as never,
    run: undefined as never,
  }
}

/** Two adjacent tombstones that one span could hold: same run, contiguous ids, implicit origin, same right origin. */
function canJoinTombstones(left: Span, right: Span): boolean {
  return (
    left.deleted &&
    right.deleted &&
    left.run === right.run &&
    left.counter + left.len === right.counter &&
    right.olReplica === left.replica &&
    right.olCounter === right.counter - 1 &&
    left.orReplica === right.orReplica &&
    left.orCounter === right.orCounter
  )
}
