import { IdIndex } from './id-index.js'
import { SpanTree } from './span-tree.js'
import { opsToColumns, type SequenceColumns } from './columns.js'
import { NO_SPAN, SpanStore, concatContent, sliceContent, type Content, type SpanRef } from './span.js'
import { RefTable } from '../ref-table.js'

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

/** Shared empty list for deletes nobody will undo (never pushed to). */
const NO_CONTENT = Object.freeze([]) as unknown as Content[]

/** A range of item ids to delete. */
/** What `Sequence.checkInsert` found. */
export const enum InsertCheck {
  Known,
  OriginMissing,
  Overlap,
}

export interface IdRange {
  replica: number
  counter: number
  len: number
}

/**
 * A sequence CRDT (text or list). Concurrent inserts are ordered with the
 * YjsMod / FugueMax rule (left origin, right origin, replica id as the final
 * tie-break), which never interleaves two runs typed concurrently at one place.
 *
 * Its methods speak real replica ids; inside, spans hold refs into
 * `replicaIds` (see span.ts).
 */
export class Sequence {
  private readonly store = new SpanStore()
  private readonly spanTree = new SpanTree(this.store)
  private readonly idIndex = new IdIndex(this.store)
  /** Refs of the replica ids spans hold; ref 0 is "none". */
  private readonly replicas = new RefTable<number>([0])
  /** Replica id by ref. */
  private readonly replicaIds = this.replicas.values
  /**
   * A loaded state not yet turned into a tree: its columns, spans in
   * document order. Reading the content after a load needs nothing more;
   * the first edit or id lookup builds the tree.
   */
  private lazy: SequenceColumns | null = null
  private loadTail: SpanRef = NO_SPAN
  /** The run of `loadTail` (runs cannot be searched until a load sorts them). */
  private loadTailRun = -1
  /**
   * The span typing last extended. Appending a character at a time makes its
   * text a rope (one node per keystroke); when typing moves on, the rope is
   * flattened once (see `settle`).
   */
  private growing: SpanRef = NO_SPAN
  /**
   * The insert `checkInsert` accepted last, with what it looked up: its
   * known prefix and its left origin's span. `integrate` of that same op,
   * called next with no edit in between (a remote keystroke is validated,
   * then applied), starts from these instead of finding them again.
   */
  private checkedOp: InsertOp | null = null
  private checkedSkip = 0
  private checkedLeft: SpanRef = NO_SPAN

  constructor(readonly isText: boolean) {}

  private get tree(): SpanTree {
    if (this.lazy !== null) this.materialize()
    return this.spanTree
  }

  private get index(): IdIndex {
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
    this.lazy = opsToColumns(ops, this.isText)
  }

  /** Takes a validated state's columns into this empty sequence, building nothing yet. */
  loadColumns(cols: SequenceColumns): void {
    this.lazy = cols
  }

  private materialize(): void {
    const cols = this.lazy!
    this.lazy = null
    const refs = cols.replicas.map((id) => this.refOf(id))
    let at = 0
    for (let i = 0; i < cols.n; i++) {
      const len = cols.len[i]!
      let content: Content | null = null
      if (cols.deleted[i] === 0) {
        content = cols.content.slice(at, at + len)
        at += len
      }
      this.appendLoaded(
        refs[cols.rep[i]!]!,
        cols.counter[i]!,
        len,
        refs[cols.olRep[i]!]!,
        cols.olCounter[i]!,
        refs[cols.orRep[i]!]!,
        cols.orCounter[i]!,
        content,
      )
    }
    this.idIndex.sortRuns()
    this.loadTail = NO_SPAN
  }

  /** Inserts `content` at visible `index` as items (replica, counter..). Returns the op for the delta. */
  localInsert(index: number, replica: number, counter: number, content: Content): InsertOp {
    const tree = this.tree
    const st = this.store
    let left = NO_SPAN
    let leftOffset = 0
    let next = NO_SPAN
    let nextOffset = 0
    if (index === 0) {
      next = tree.first()
    } else {
      left = tree.findVisible(index - 1)
      leftOffset = tree.foundOffset
      if (leftOffset < st.len[left]! - 1) {
        next = left
        nextOffset = leftOffset + 1
      } else {
        next = tree.next(left)
      }
    }
    return this.insertBetween(left, leftOffset, next, nextOffset, replica, counter, content)
  }

  /**
   * Inserts `content` right before item (anchorReplica, anchorCounter), deleted or not. At a
   * deleted item's visible index, `localInsert` would go before every tombstone there; undo puts
   * deleted content back where the item itself is, so that pieces restored one after another keep
   * their order. The anchor must be known here.
   */
  localInsertBefore(anchorReplica: number, anchorCounter: number, replica: number, counter: number, content: Content): InsertOp {
    const next = this.find(anchorReplica, anchorCounter)
    if (next === NO_SPAN) throw new Error(`localInsertBefore: item ${anchorReplica}:${anchorCounter} is not in this sequence`)
    const st = this.store
    const nextOffset = anchorCounter - st.ctr[next]!
    const left = nextOffset > 0 ? next : this.tree.prev(next)
    const leftOffset = nextOffset > 0 ? nextOffset - 1 : left === NO_SPAN ? 0 : st.len[left]! - 1
    return this.insertBetween(left, leftOffset, next, nextOffset, replica, counter, content)
  }

  /** Inserts between item `leftOffset` of `left` and item `nextOffset` of `next` (adjacent; NO_SPAN at an end). */
  private insertBetween(left: SpanRef, leftOffset: number, next: SpanRef, nextOffset: number, replica: number, counter: number, content: Content): InsertOp {
    const st = this.store
    const olRep = left === NO_SPAN ? 0 : st.rep[left]!
    const olCtr = left === NO_SPAN ? 0 : st.ctr[left]! + leftOffset
    const orRep = next === NO_SPAN ? 0 : st.rep[next]!
    const orCtr = next === NO_SPAN ? 0 : st.ctr[next]! + nextOffset
    const ids = this.replicaIds
    const op: InsertOp = {
      replica,
      counter,
      len: content.length,
      olReplica: ids[olRep]!,
      olCounter: olCtr,
      orReplica: ids[orRep]!,
      orCounter: orCtr,
      deleted: false,
      content,
    }
    this.place(this.refOf(replica), counter, content.length, olRep, olCtr, orRep, orCtr, content, left, leftOffset, next, nextOffset)
    return op
  }

  /**
   * Deletes `len` visible items from `index`. Returns the deleted ranges and,
   * when `keepRemoved` (an undo manager listens), their content.
   */
  localDelete(index: number, len: number, keepRemoved = true): { ranges: IdRange[]; removed: Content[] } {
    const tree = this.tree
    const st = this.store
    const ranges: IdRange[] = []
    const removed: Content[] = keepRemoved ? [] : NO_CONTENT
    let remaining = len
    while (remaining > 0) {
      const span = tree.findVisible(index)
      const offset = tree.foundOffset
      const take = Math.min(st.len[span]! - offset, remaining)
      const piece = this.isolate(span, offset, take)
      if (keepRemoved) removed.push(st.content[piece]!)
      const replica = this.replicaIds[st.rep[piece]!]!
      const counter = st.ctr[piece]!
      this.markDeleted(piece)
      const last = ranges[ranges.length - 1]
      if (last && last.replica === replica && last.counter + last.len === counter) last.len += take
      else ranges.push({ replica, counter, len: take })
      remaining -= take
    }
    return { ranges, removed }
  }

  /** How many of the ids (replica, counter .. counter + len - 1) are known, counted from the first. */
  knownPrefix(replica: number, counter: number, len: number): number {
    const rep = this.knownRef(replica)
    if (rep === undefined) return 0
    const index = this.index
    const end = counter + len
    let c = counter
    for (;;) {
      const runEnd = c < end ? index.runEndAt(rep, c) : -1
      if (runEnd < 0) return Math.min(c, end) - counter
      c = runEnd
    }
  }

  /** Highest counter of `replica` known here, or 0. */
  maxCounter(replica: number): number {
    const rep = this.knownRef(replica)
    return rep === undefined ? 0 : this.index.maxCounter(rep)
  }

  /**
   * End (exclusive) of the stretch of consecutive ids, starting at
   * (replica, counter), that this sequence holds in one piece with one
   * deletion state; 0 when the item is unknown.
   */
  pieceEnd(replica: number, counter: number): number {
    const span = this.find(replica, counter)
    return span === NO_SPAN ? 0 : this.store.ctr[span]! + this.store.len[span]!
  }

  /** True when item (replica, counter) is known and deleted. */
  isDeletedAt(replica: number, counter: number): boolean {
    const span = this.find(replica, counter)
    return span !== NO_SPAN && this.store.deleted(span)
  }

  /** True when item (replica, counter) is known here. */
  has(replica: number, counter: number): boolean {
    const rep = this.knownRef(replica)
    return rep !== undefined && this.index.has(rep, counter)
  }

  /**
   * Checks a lone remote insert against this sequence: `Known` when both
   * origins are known here and its ids are new or a known prefix,
   * `OriginMissing` when an origin is not known (it may be in the delta),
   * `Overlap` when it repeats known ids out of order.
   */
  checkInsert(op: InsertOp): InsertCheck {
    this.checkedOp = null
    let left = NO_SPAN
    if (op.olReplica !== 0) {
      left = this.find(op.olReplica, op.olCounter)
      if (left === NO_SPAN) return InsertCheck.OriginMissing
    }
    if (op.orReplica !== 0 && !this.has(op.orReplica, op.orCounter)) return InsertCheck.OriginMissing
    const skip = this.knownPrefix(op.replica, op.counter, op.len)
    if (skip < op.len && this.maxCounter(op.replica) >= op.counter + skip) return InsertCheck.Overlap
    this.checkedOp = op
    this.checkedSkip = skip
    this.checkedLeft = left
    return InsertCheck.Known
  }

  /**
   * Integrates a remote insert. Items already known are skipped (a known
   * prefix, since a replica's items arrive in order), so this is idempotent.
   * The caller guarantees both origins are known. Returns how many items
   * were new (the op's last ones).
   */
  integrate(op: InsertOp): number {
    const checked = op === this.checkedOp
    this.checkedOp = null
    const skip = checked ? this.checkedSkip : this.knownPrefix(op.replica, op.counter, op.len)
    if (skip === op.len) return 0
    const tree = this.tree
    const st = this.store
    const rep = this.refOf(op.replica)
    const counter = op.counter + skip
    const len = op.len - skip
    // A known prefix becomes the rest's left origin.
    const olRep = skip > 0 ? rep : this.refOf(op.olReplica)
    const olCtr = skip > 0 ? counter - 1 : op.olCounter
    const orRep = this.refOf(op.orReplica)
    const orCtr = op.orCounter
    const content = op.content === null ? null : skip > 0 ? sliceContent(op.content, skip) : op.content

    // Cursor starts right after the left origin.
    let left = NO_SPAN
    let leftOffset = 0
    let x = NO_SPAN
    let xOff = 0
    if (olRep === 0) {
      x = tree.first()
    } else {
      // After a known prefix the left origin is the prefix's last item, not what `checkInsert` found.
      left = checked && skip === 0 ? this.checkedLeft : this.idIndex.find(olRep, olCtr)
      leftOffset = olCtr - st.ctr[left]!
      if (leftOffset < st.len[left]! - 1) {
        x = left
        xOff = leftOffset + 1
      } else {
        x = tree.next(left)
      }
    }
    const startX = x
    const startOff = xOff
    let scanning = false
    let scanX = x
    let scanOff = xOff
    let olPos = -2 // absolute position of our left origin, computed on first need
    while (x !== NO_SPAN) {
      const xCtr = st.ctr[x]!
      if (st.rep[x] === orRep && xCtr + xOff === orCtr) break
      const oolRep = xOff === 0 ? st.olRep[x]! : st.rep[x]!
      const oolCtr = xOff === 0 ? st.olCtr[x]! : xCtr + xOff - 1
      if (oolRep === olRep && oolCtr === olCtr) {
        if (st.orRep[x] === orRep && st.orCtr[x] === orCtr) {
          // Same origins on both sides: the lower replica id goes first.
          if (op.replica < this.replicaIds[st.rep[x]!]!) break
          scanning = false
        } else {
          const myRight = this.positionOf(orRep, orCtr, Infinity)
          const otherRight = this.positionOf(st.orRep[x]!, st.orCtr[x]!, Infinity)
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
        if (olPos === -2) olPos = this.positionOf(olRep, olCtr, -1)
        if (this.positionOf(oolRep, oolCtr, -1) < olPos) break
      }
      x = tree.next(x)
      xOff = 0
    }
    if (scanning) {
      x = scanX
      xOff = scanOff
    }
    tree.invalidateCache()
    // Still right after the left origin: the op may extend its span.
    const atOrigin = x === startX && xOff === startOff
    this.place(rep, counter, len, olRep, olCtr, orRep, orCtr, content, atOrigin ? left : NO_SPAN, leftOffset, x, xOff)
    return len
  }

  /**
   * Appends a span at the end during a state load (spans arrive in document
   * order into an empty sequence; call `index.sortRuns()` after).
   */
  private appendLoaded(rep: number, counter: number, len: number, olRep: number, olCtr: number, orRep: number, orCtr: number, content: Content | null): void {
    const last = this.loadTail
    if (last !== NO_SPAN && this.continuesSpan(last, rep, counter, olRep, olCtr, orRep, orCtr, content === null)) {
      this.extend(last, len, content, this.loadTailRun)
      return
    }
    const span = this.store.add(rep, counter, len, olRep, olCtr, orRep, orCtr, content)
    this.spanTree.append(span)
    this.loadTailRun = this.idIndex.pushRun(span)
    this.loadTail = span
  }

  /**
   * Marks the items of `range` deleted. Returns how many were visible.
   * `onDeleted` hears each run of visible items it removed, by the index
   * the run had (for change events; the index is only looked up for it).
   */
  applyDelete(range: IdRange, onDeleted?: (index: number, length: number) => void): number {
    const rep = this.knownRef(range.replica)
    if (rep === undefined) throw new Error(`internal: delete of unknown item ${range.replica}:${range.counter}`)
    const index = this.index
    const st = this.store
    let c = range.counter
    const end = range.counter + range.len
    let count = 0
    while (c < end) {
      const span = index.find(rep, c)
      if (span === NO_SPAN) throw new Error(`internal: delete of unknown item ${range.replica}:${c}`)
      const offset = c - st.ctr[span]!
      const take = Math.min(st.len[span]! - offset, end - c)
      if (!st.deleted(span)) {
        const at = onDeleted === undefined ? 0 : this.spanTree.visibleIndexOf(span) + offset
        this.spanTree.invalidateCache()
        this.markDeleted(this.isolate(span, offset, take))
        count += take
        onDeleted?.(at, take)
      }
      c += take
    }
    return count
  }

  /** The visible content, in order. */
  content(): Content {
    if (this.lazy !== null) return this.isText ? this.lazy.content : (this.lazy.content as unknown[]).slice()
    const content = this.store.content
    if (this.isText) {
      let s = ''
      this.spanTree.forEach((span) => {
        const c = content[span]
        if (c !== null) s += c as string
      })
      return s
    }
    const out: unknown[] = []
    this.spanTree.forEach((span) => {
      const c = content[span]
      if (c !== null) for (const v of c as unknown[]) out.push(v)
    })
    return out
  }

  /** The visible text of [from, to) (a text sequence), without building the whole string. */
  textSlice(from: number, to: number): string {
    if (this.lazy !== null) return (this.lazy.content as string).slice(from, to)
    if (from >= to) return ''
    const tree = this.tree
    const content = this.store.content
    let span = tree.findVisible(from)
    let offset = tree.foundOffset
    let out = ''
    let left = to - from
    while (left > 0 && span !== NO_SPAN) {
      const c = content[span] as string | null
      if (c !== null) {
        const piece = offset === 0 && c.length <= left ? c : c.slice(offset, offset + left)
        out += piece
        left -= piece.length
      }
      offset = 0
      span = tree.next(span)
    }
    return out
  }

  /** The visible item at `index`. */
  get(index: number): unknown {
    const span = this.tree.findVisible(index)
    return (this.store.content[span] as Content)[this.spanTree.foundOffset]
  }

  /** Id of the visible item at `index` (for anchors: marks and cursors). */
  idAtVisible(index: number): { replica: number; counter: number } {
    const span = this.tree.findVisible(index)
    const st = this.store
    return { replica: this.replicaIds[st.rep[span]!]!, counter: st.ctr[span]! + this.spanTree.foundOffset }
  }

  /** Visible index where item (replica, counter) is, or would be if deleted. */
  visibleIndexOfId(replica: number, counter: number): number {
    const span = this.find(replica, counter)
    if (span === NO_SPAN) return -1
    const st = this.store
    return this.spanTree.visibleIndexOf(span) + (st.deleted(span) ? 0 : counter - st.ctr[span]!)
  }

  /** Every span in document order as columns, adjacent tombstones of one run joined (for states). */
  stateColumns(): SequenceColumns {
    if (this.lazy !== null) return this.lazy
    const st = this.store
    const cap = st.count
    const rep = new Int32Array(cap)
    const counter = new Float64Array(cap)
    const len = new Float64Array(cap)
    const deleted = new Uint8Array(cap)
    const olRep = new Int32Array(cap)
    const olCounter = new Float64Array(cap)
    const orRep = new Int32Array(cap)
    const orCounter = new Float64Array(cap)
    const parts: Content[] = []
    let n = 0
    let visible = 0
    let total = 0
    this.spanTree.forEach((s) => {
      const content = st.content[s] ?? null
      const r = st.rep[s]!
      const c = st.ctr[s]!
      const l = st.len[s]!
      total += l
      // Re-join pieces split apart only by deletions (adjacent tombstones of one run).
      const p = n - 1
      if (
        content === null &&
        p >= 0 &&
        deleted[p] === 1 &&
        rep[p] === r &&
        counter[p]! + len[p]! === c &&
        st.olRep[s] === r &&
        st.olCtr[s] === c - 1 &&
        orRep[p] === st.orRep[s] &&
        orCounter[p] === st.orCtr[s]
      ) {
        len[p]! += l
        return
      }
      rep[n] = r
      counter[n] = c
      len[n] = l
      olRep[n] = st.olRep[s]!
      olCounter[n] = st.olCtr[s]!
      orRep[n] = st.orRep[s]!
      orCounter[n] = st.orCtr[s]!
      if (content === null) deleted[n] = 1
      else {
        visible += l
        parts.push(content)
      }
      n++
    })
    return {
      n,
      replicas: this.replicaIds.slice(),
      rep: rep.subarray(0, n),
      counter: counter.subarray(0, n),
      len: len.subarray(0, n),
      deleted: deleted.subarray(0, n),
      olRep: olRep.subarray(0, n),
      olCounter: olCounter.subarray(0, n),
      orRep: orRep.subarray(0, n),
      orCounter: orCounter.subarray(0, n),
      content: this.isText ? (parts as string[]).join('') : ([] as unknown[]).concat(...(parts as unknown[][])),
      visible,
      total,
    }
  }

  /** Inserts holding items above `since[replica]`, per replica in counter order (for deltas). */
  insertsSince(since: Readonly<Record<number, number>>): InsertOp[] {
    const out: InsertOp[] = []
    const index = this.index
    const st = this.store
    for (let rep = 1; rep < this.replicaIds.length; rep++) {
      const replica = this.replicaIds[rep]!
      const have = since[replica] ?? 0
      index.forEachSpanAfter(rep, have, (s) => {
        if (st.ctr[s]! + st.len[s]! - 1 <= have) return
        const op = this.opOf(s)
        if (op.counter <= have) {
          const skip = have - op.counter + 1
          op.counter += skip
          op.len -= skip
          op.olReplica = replica
          op.olCounter = op.counter - 1
          if (op.content !== null) op.content = sliceContent(op.content, skip)
        }
        out.push(op)
      })
    }
    return out
  }

  /** Every deleted item at or below `since[replica]`, as ranges in document order. */
  tombstonesUpTo(since: Readonly<Record<number, number>>): IdRange[] {
    const ranges: IdRange[] = []
    const st = this.store
    this.tree.forEach((s) => {
      if (!st.deleted(s)) return
      const replica = this.replicaIds[st.rep[s]!]!
      const counter = st.ctr[s]!
      const last = Math.min(counter + st.len[s]! - 1, since[replica] ?? 0)
      if (last >= counter) ranges.push({ replica, counter, len: last - counter + 1 })
    })
    return ranges
  }

  private opOf(s: SpanRef): InsertOp {
    const st = this.store
    const ids = this.replicaIds
    const content = st.content[s]!
    return {
      replica: ids[st.rep[s]!]!,
      counter: st.ctr[s]!,
      len: st.len[s]!,
      olReplica: ids[st.olRep[s]!]!,
      olCounter: st.olCtr[s]!,
      orReplica: ids[st.orRep[s]!]!,
      orCounter: st.orCtr[s]!,
      deleted: content === null,
      content,
    }
  }

  private find(replica: number, counter: number): SpanRef {
    const rep = this.knownRef(replica)
    return rep === undefined ? NO_SPAN : this.index.find(rep, counter)
  }

  /** The ref of a replica seen here, or undefined (builds a lazily loaded state first). */
  private knownRef(replica: number): number | undefined {
    if (this.lazy !== null) this.materialize()
    return this.replicas.find(replica)
  }

  /** The ref of a replica id, registering it on first sight (0 stays "none"). */
  private refOf(replica: number): number {
    // "None" is asked for as often as a replica (every origin at an end) and would evict it from the table's last-hit slot.
    return replica === 0 ? 0 : this.replicas.refOf(replica)
  }

  /**
   * Places an insert at the cursor (before item `nextOffset` of `next`, or at
   * the end). When the cursor sits right after the left origin `left` and the
   * op continues `left`'s run, `left` is extended instead (run-length).
   */
  private place(
    rep: number,
    counter: number,
    len: number,
    olRep: number,
    olCtr: number,
    orRep: number,
    orCtr: number,
    content: Content | null,
    left: SpanRef,
    leftOffset: number,
    next: SpanRef,
    nextOffset: number,
  ): void {
    this.checkedOp = null
    const st = this.store
    if (left !== NO_SPAN && leftOffset === st.len[left]! - 1 && this.continuesSpan(left, rep, counter, olRep, olCtr, orRep, orCtr, content === null)) {
      this.extend(left, len, content)
      return
    }
    this.settle()
    const span = st.add(rep, counter, len, olRep, olCtr, orRep, orCtr, content)
    const tree = this.spanTree
    if (next === NO_SPAN) {
      tree.append(span)
    } else if (nextOffset > 0) {
      this.split(next, nextOffset)
      tree.insertAfter(next, span)
    } else {
      tree.insertBefore(next, span)
    }
    this.idIndex.addRun(span)
    this.growing = span
  }

  /**
   * True when an insert can be appended to span s as more items of one span:
   * same replica, the next ids of the span's run, left origin the span's last
   * item, the same right origin and deletion state. Typing a word meets this
   * for every keystroke after the first.
   */
  private continuesSpan(s: SpanRef, rep: number, counter: number, olRep: number, olCtr: number, orRep: number, orCtr: number, deleted: boolean): boolean {
    const st = this.store
    return (
      st.rep[s] === rep &&
      st.ctr[s]! + st.len[s]! === counter &&
      // The last piece of its run, so the run ends at `counter` too.
      st.nextPiece[s] === NO_SPAN &&
      olRep === rep &&
      olCtr === counter - 1 &&
      st.orRep[s] === orRep &&
      st.orCtr[s] === orCtr &&
      st.deleted(s) === deleted
    )
  }

  /** Appends `len` items (content null: tombstones) to span s (see `continuesSpan`) and to its run. */
  private extend(s: SpanRef, len: number, content: Content | null, run?: number): void {
    const st = this.store
    if (s !== this.growing) {
      this.settle()
      this.growing = s
    }
    st.len[s]! += len
    this.idIndex.extendRun(s, len, run)
    if (content !== null) st.content[s] = concatContent(st.content[s]!, content)
    this.spanTree.adjust(this.spanTree.leafOf(s), content === null ? 0 : len, len)
  }

  /**
   * Flattens the text of the span typing just left. Number() makes V8 flatten
   * a rope in place (the result is not used); the garbage collector then
   * drops the rope's nodes (~32 bytes per keystroke) for one flat string.
   */
  private settle(): void {
    const s = this.growing
    if (s === NO_SPAN) return
    this.growing = NO_SPAN
    const c = this.store.content[s]
    if (typeof c === 'string' && c.length > 1) void Number(c)
  }

  /** Splits so that exactly items [offset, offset + len) of span s form one span, and returns it. */
  private isolate(s: SpanRef, offset: number, len: number): SpanRef {
    let piece = s
    if (offset > 0) piece = this.split(s, offset)
    if (len < this.store.len[piece]!) this.split(piece, len)
    return piece
  }

  /** Splits span s before item `k` and returns the right part. */
  private split(s: SpanRef, k: number): SpanRef {
    this.checkedOp = null
    const st = this.store
    if (s === this.growing) this.settle()
    const content = st.content[s]!
    const right = st.add(
      st.rep[s]!,
      st.ctr[s]! + k,
      st.len[s]! - k,
      st.rep[s]!,
      st.ctr[s]! + k - 1,
      st.orRep[s]!,
      st.orCtr[s]!,
      content === null ? null : sliceContent(content, k),
    )
    st.len[s] = k
    if (content !== null) st.content[s] = sliceContent(content, 0, k)
    this.spanTree.insertAfter(s, right, true)
    this.idIndex.addSplit(s, right)
    return right
  }

  private markDeleted(s: SpanRef): void {
    this.checkedOp = null
    const st = this.store
    if (s === this.growing) this.growing = NO_SPAN
    st.content[s] = null
    const leaf = this.spanTree.leafOf(s)
    this.spanTree.adjust(leaf, -st.len[s]!, 0)
    // Re-join tombstones of one run that deletions split apart: backspacing
    // over a word leaves one span, not one per character.
    const tree = this.spanTree
    const i = tree.indexInLeaf(leaf, s)
    if (i + 1 < leaf.count) {
      const next = tree.spanAt(leaf, i + 1)
      if (this.canJoinTombstones(s, next)) this.joinTombstones(s, next, i + 1)
    }
    if (i > 0) {
      const prev = tree.spanAt(leaf, i - 1)
      if (this.canJoinTombstones(prev, s)) this.joinTombstones(prev, s, i)
    }
  }

  /** Two adjacent tombstones that one span could hold: one run's neighbouring pieces, implicit origin, same right origin. */
  private canJoinTombstones(left: SpanRef, right: SpanRef): boolean {
    const st = this.store
    return (
      st.content[left] === null &&
      st.content[right] === null &&
      // Neighbours in one run's chain: same run, contiguous ids.
      st.nextPiece[left] === right &&
      st.olRep[right] === st.rep[left] &&
      st.olCtr[right] === st.ctr[right]! - 1 &&
      st.orRep[left] === st.orRep[right] &&
      st.orCtr[left] === st.orCtr[right]
    )
  }

  /** Folds `right` (at `rightIndex` in the leaf) into `left`; counts are unchanged. The right row is left unused. */
  private joinTombstones(left: SpanRef, right: SpanRef, rightIndex: number): void {
    const st = this.store
    st.len[left]! += st.len[right]!
    this.spanTree.removeAt(this.spanTree.leafOf(left), rightIndex)
    this.idIndex.removeSpan(left, right)
    if (right === this.growing) this.growing = NO_SPAN
    st.release(right)
  }

  /** Absolute position of an item, or `none` for the null id. */
  private positionOf(rep: number, counter: number, none: number): number {
    if (rep === 0) return none
    const span = this.idIndex.find(rep, counter)
    return this.spanTree.absoluteIndexOf(span) + (counter - this.store.ctr[span]!)
  }
}
