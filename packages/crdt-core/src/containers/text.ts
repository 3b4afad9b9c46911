import { Sequence } from '../sequence/sequence.js'
import { assertJsonValue, cloneJson, type JsonValue } from '../values.js'
import { AnchorSide, MarkStore, anchorIndex, defaultExpand, sameAttrs, type Anchor, type MarkExpand, type MarkOp, type TextSpan } from '../text/marks.js'
import { cursorAt, cursorIndex, isTextCursor, type TextCursor, type CursorAssoc } from '../text/cursor.js'
import { MoveStore, type MoveOp } from '../text/moves.js'
import { MAX_MOVE_LEN } from '../limits.js'
import { CONTAINER_KIND } from './container-ref.js'
import type { DocCore } from './doc-core.js'
import type { ContainerId } from './kind.js'

/**
 * Collaborative text. Concurrent edits at one place keep each run intact
 * (no interleaving of characters typed concurrently).
 *
 * @example
 * const body = doc.getText('body')
 * body.insert(0, 'hello')
 * body.delete(0, 1)
 * body.toString() // 'ello'
 */
export class WeftText {
  readonly [CONTAINER_KIND] = 'text' as const
  /** Which kind of container this is. */
  readonly kind = 'text' as const
  /** @internal */
  readonly seq = new Sequence(true)
  /** @internal Formatting marks (see text/marks.ts). */
  readonly marks = new MarkStore()
  /** @internal Moves of ranges (see text/moves.ts). */
  readonly moves = new MoveStore()

  /** @internal */
  constructor(
    private readonly doc: DocCore,
    /** @internal */ readonly id: ContainerId,
  ) {}

  get length(): number {
    return this.seq.length
  }

  insert(index: number, text: string): void {
    if (typeof text !== 'string') throw new TypeError(`text.insert expects a string, got ${typeof text}`)
    checkIndex(index, this.seq.length, 'text.insert')
    if (text.length === 0) return
    this.insertAt(index, text, null)
  }

  /**
   * @internal Undo's restore of deleted text: `text` again right where the deleted item `anchor`
   * is (see `Sequence.localInsertBefore`). Returns the counter of its first new character.
   */
  restoreBefore(anchor: { readonly replica: number; readonly counter: number }, text: string): number {
    return this.insertAt(this.seq.visibleIndexOfId(anchor.replica, anchor.counter), text, anchor)
  }

  /** Inserts at visible `index`: where `localInsert` puts it, or right before `anchor` (which is at that index). */
  private insertAt(index: number, text: string, anchor: { readonly replica: number; readonly counter: number } | null): number {
    const doc = this.doc
    const tx = doc.beginImplicit()
    try {
      const counter = doc.allocateCounters(text.length)
      const op =
        anchor === null
          ? this.seq.localInsert(index, doc.replicaId, counter, text)
          : this.seq.localInsertBefore(anchor.replica, anchor.counter, doc.replicaId, counter, text)
      tx.recordInsert(this, op)
      this.marks.afterInsert(this.seq, index, text.length)
      tx.textEdits?.inserted(this, index, text)
      if (tx.trackUndo) tx.undo({ type: 'seq-insert', container: this, replica: doc.replicaId, counter, len: text.length })
      return counter
    } finally {
      doc.endImplicit(tx)
    }
  }

  delete(index: number, length: number): void {
    checkRange(index, length, this.seq.length, 'text.delete')
    if (length === 0) return
    deleteFromSequence(this.doc, this, this.seq, index, length)
  }

  toString(): string {
    return this.seq.content() as string
  }

  /**
   * Moves `length` characters from `index` to `to` (an index outside the
   * range, counted before the move), marks and all. Unlike a delete and an
   * insert, two replicas moving one range at once leave it once, at the
   * later move's place (see text/moves.ts for what a concurrent edit of the
   * range does).
   *
   * @example
   * body.insert(0, 'one\ntwo\n')
   * body.move(4, 4, 0) // 'two\none\n'
   */
  move(index: number, length: number, to: number): void {
    checkRange(index, length, this.seq.length, 'text.move')
    checkIndex(to, this.seq.length, 'text.move')
    if (to > index && to < index + length) throw new RangeError(`text.move: target ${to} lies inside the moved range ${index}..${index + length}`)
    if (length > MAX_MOVE_LEN) throw new RangeError(`text.move: ${length} characters is more than one move takes (${MAX_MOVE_LEN}); move the range in parts`)
    if (length === 0 || to === index || to === index + length) return
    const doc = this.doc
    const tx = doc.beginImplicit()
    try {
      const spans = this.toDelta(index, length)
      const content = spans.map((s) => s.insert).join('')
      const target = doc.allocateCounters(length)
      tx.recordInsert(this, this.seq.localInsert(to, doc.replicaId, target, content))
      this.marks.afterInsert(this.seq, to, length)
      tx.textEdits?.inserted(this, to, content)
      this.copyMarks(tx, to, spans)
      // The originals are hidden by the move itself (no delete op): every replica hides them on joining it.
      const from = to < index ? index + length : index
      const { ranges } = this.seq.localDelete(from, length, false)
      this.marks.afterDelete(this.seq, from, length)
      tx.textEdits?.deleted(this, from, length)
      const op: MoveOp = { replica: doc.replicaId, counter: doc.allocateCounters(1), lamport: doc.nextLamport(), target, len: length, sources: ranges }
      this.moves.add(op)
      tx.recordMove(this, op)
      if (tx.trackUndo) tx.undo({ type: 'text-move', container: this, replica: doc.replicaId, target, len: length, back: ranges[0]! })
    } finally {
      doc.endImplicit(tx)
    }
  }

  /** Gives the copy at `at` exactly the marks of `spans` (it may have taken a neighbour's growing mark). */
  private copyMarks(tx: import('../doc/transaction.js').Transaction, at: number, spans: readonly TextSpan[]): void {
    const have = this.toDelta(
      at,
      spans.reduce((n, s) => n + s.insert.length, 0),
    )
    const keys = new Set<string>()
    for (const s of [...spans, ...have]) for (const k of Object.keys(s.attributes ?? {})) keys.add(k)
    if (keys.size === 0) return
    // Walk both span lists at once, over stretches where neither changes.
    let i = 0
    let j = 0
    let offI = 0
    let offJ = 0
    let pos = at
    while (i < spans.length && j < have.length) {
      const want = spans[i]!
      const got = have[j]!
      const len = Math.min(want.insert.length - offI, got.insert.length - offJ)
      for (const key of keys) {
        const w = want.attributes?.[key] ?? null
        if (JSON.stringify(w) === JSON.stringify(got.attributes?.[key] ?? null)) continue
        const { start, end } = this.anchorsFor(pos, pos + len, defaultExpand(key))
        this.addLocalMark(tx, key, w === null ? null : cloneJson(w), start, end)
      }
      pos += len
      offI += len
      offJ += len
      if (offI === want.insert.length) {
        i++
        offI = 0
      }
      if (offJ === got.insert.length) {
        j++
        offJ = 0
      }
    }
  }

  /**
   * Sets marks on `length` characters from `index`: each key of `attrs` is
   * one Peritext op; a null value removes that mark. Whether text typed at
   * the range's edges takes the mark comes from `expand` (per key, or one
   * for all), by default `defaultExpand(key)`: bold-like marks grow at their
   * end, `link` and `comment` do not.
   *
   * @example
   * body.format(0, 5, { bold: true })
   * body.format(6, 5, { link: 'https://example.com' })
   * body.toDelta() // [{ insert: 'hello', attributes: { bold: true } }, { insert: ' ' }, …]
   */
  format(index: number, length: number, attrs: Readonly<Record<string, JsonValue | null>>, options: FormatOptions = {}): void {
    checkRange(index, length, this.seq.length, 'text.format')
    if (typeof attrs !== 'object' || attrs === null) throw new TypeError('text.format expects an object of mark values, e.g. { bold: true }')
    if (length === 0) return
    const doc = this.doc
    const tx = doc.beginImplicit()
    try {
      for (const key of Object.keys(attrs).sort()) {
        const value = attrs[key]
        if (value !== null) assertJsonValue(value as JsonValue, `text.format '${key}'`)
        const expand = typeof options.expand === 'string' ? options.expand : (options.expand?.[key] ?? defaultExpand(key))
        const { start, end } = this.anchorsFor(index, index + length, expand)
        if (tx.trackUndo) tx.undo({ type: 'text-mark', container: this, key, restore: this.segmentsOf(key, index, index + length) })
        this.addLocalMark(tx, key, value === null ? null : cloneJson(value as JsonValue), start, end)
      }
    } finally {
      doc.endImplicit(tx)
    }
  }

  /** Removes the marks named by `keys` from `length` characters at `index`. */
  unformat(index: number, length: number, keys: string | readonly string[], options: FormatOptions = {}): void {
    const attrs: Record<string, null> = {}
    for (const k of typeof keys === 'string' ? [keys] : keys) attrs[k] = null
    this.format(index, length, attrs, options)
  }

  /** The text (or `length` characters from `index`) as runs of equal marks, in the common delta shape. */
  toDelta(index = 0, length = this.seq.length - index): TextSpan[] {
    checkRange(index, length, this.seq.length, 'text.toDelta')
    const end = index + length
    // Only the asked-for window is read: a binding asks for a block or a keystroke's worth.
    return this.spansOf(index, index === 0 && end === this.seq.length ? this.toString() : this.seq.textSlice(index, end))
  }

  /** @internal `content`, which is this text's [index, index + content.length), as `toDelta` gives it (a change event's inserted text is known already). */
  spansOf(index: number, content: string): TextSpan[] {
    if (this.marks.size === 0) return content.length === 0 ? [] : [{ insert: content }]
    const end = index + content.length
    const whole = index === 0 && end === this.seq.length
    const { bounds, attrs } = whole ? this.marks.resolve(this.seq) : this.marks.resolveWindow(this.seq, index, end)
    const out: TextSpan[] = []
    for (let i = 0; i < attrs.length; i++) {
      const insert = content.slice(Math.max(index, bounds[i]!) - index, Math.min(end, bounds[i + 1]!) - index)
      if (insert.length === 0) continue
      const a = attrs[i]!
      const last = out[out.length - 1]
      if (last !== undefined && sameAttrs(last.attributes, a)) last.insert += insert
      else out.push(a === null ? { insert } : { insert, attributes: { ...a } })
    }
    return out
  }

  /** The marks on the character at `index` (an empty object when none). */
  marksAt(index: number): Record<string, JsonValue> {
    checkIndex(index, this.seq.length - 1, 'text.marksAt')
    const { attrs } = this.marks.resolveWindow(this.seq, index, index + 1)
    return { ...(attrs[0] ?? {}) }
  }

  /**
   * A position that stays with the character it was made at across every
   * concurrent edit and reload: `assoc` 'after' (default) sticks to the
   * character after `index`, 'before' to the one before it.
   * Plain JSON: store it, send it in presence, resolve it with `cursorIndex`.
   */
  cursor(index: number, assoc: CursorAssoc = 'after'): TextCursor {
    checkIndex(index, this.seq.length, 'text.cursor')
    return cursorAt(this.seq, index, assoc)
  }

  /** The current index of a cursor made by `cursor` (here or on another replica); -1 if its character is not known here yet. */
  cursorIndex(cursor: TextCursor): number {
    if (this.moves.size === 0 || !isTextCursor(cursor) || cursor.replica === 0) return cursorIndex(this.seq, cursor)
    // A cursor in a moved range follows it to where it went.
    const at = this.moves.current(cursor.replica, cursor.counter)
    return cursorIndex(this.seq, at.replica === cursor.replica && at.counter === cursor.counter ? cursor : { ...cursor, ...at })
  }

  /** @internal Anchors of a mark over visible [from, to) that grows at the edges `expand` names. */
  anchorsFor(from: number, to: number, expand: MarkExpand): { start: Anchor; end: Anchor } {
    const seq = this.seq
    const growsBefore = expand === 'before' || expand === 'both'
    const growsAfter = expand === 'after' || expand === 'both'
    let start: Anchor
    if (growsBefore) start = from === 0 ? { replica: 0, counter: 0, side: AnchorSide.After } : { ...seq.idAtVisible(from - 1), side: AnchorSide.After }
    else start = { ...seq.idAtVisible(from), side: AnchorSide.Before }
    let end: Anchor
    if (growsAfter) end = to === seq.length ? { replica: 0, counter: 0, side: AnchorSide.Before } : { ...seq.idAtVisible(to), side: AnchorSide.Before }
    else end = { ...seq.idAtVisible(to - 1), side: AnchorSide.After }
    return { start, end }
  }

  /** @internal The current values of `key` over [from, to), as non-growing anchored segments (for undo). */
  segmentsOf(key: string, from: number, to: number): MarkSegment[] {
    const { bounds, attrs } = this.marks.resolveWindow(this.seq, from, to)
    const out: MarkSegment[] = []
    for (let i = 0; i < attrs.length; i++) {
      const a = Math.max(from, bounds[i]!)
      const b = Math.min(to, bounds[i + 1]!)
      if (a >= b) continue
      const value = attrs[i] !== null && Object.hasOwn(attrs[i]!, key) ? attrs[i]![key]! : null
      const { start, end } = this.anchorsFor(a, b, 'none')
      out.push({ start, end, value })
    }
    return out
  }

  /** @internal Records one mark op made here. */
  addLocalMark(tx: import('../doc/transaction.js').Transaction, key: string, value: JsonValue | null, start: Anchor, end: Anchor): void {
    const doc = this.doc
    const op: MarkOp = { replica: doc.replicaId, counter: doc.allocateCounters(1), lamport: doc.nextLamport(), key, value, start, end }
    this.marks.add(op)
    tx.recordMark(this, op)
    tx.textEdits?.marked(this, key, start, end)
  }

  /** @internal Re-applies segments saved by `segmentsOf` (undo of a format). */
  restoreMarks(key: string, segments: readonly MarkSegment[]): void {
    const doc = this.doc
    const tx = doc.beginImplicit()
    try {
      for (const s of segments) {
        const from = anchorIndex(this.seq, s.start, false)
        const to = anchorIndex(this.seq, s.end, true)
        if (from >= to) continue
        if (tx.trackUndo) tx.undo({ type: 'text-mark', container: this, key, restore: this.segmentsOf(key, from, to) })
        this.addLocalMark(tx, key, s.value, s.start, s.end)
      }
    } finally {
      doc.endImplicit(tx)
    }
  }

  toJSON(): string {
    return this.toString()
  }
}

/** Options of `text.format`. */
export interface FormatOptions {
  /** Which edges grow when text is typed there, for every key or per key (default `defaultExpand(key)`). */
  expand?: MarkExpand | Readonly<Record<string, MarkExpand>>
}

/** A stretch of one mark's value, anchored so it neither grows nor shrinks (undo's record; not exported from the package). */
export interface MarkSegment {
  start: Anchor
  end: Anchor
  value: JsonValue | null
}

/** Shared by text and list: one delete op (one dot) for a range of visible items. */
export function deleteFromSequence(doc: DocCore, container: WeftText | import('./list.js').WeftList, seq: Sequence, index: number, length: number): void {
  const tx = doc.beginImplicit()
  try {
    const { ranges, removed } = seq.localDelete(index, length, tx.trackUndo)
    const counter = doc.allocateCounters(1)
    tx.recordDelete(container, { replica: doc.replicaId, counter, ranges })
    if (container.kind === 'text') {
      container.marks.afterDelete(seq, index, length)
      tx.textEdits?.deleted(container, index, length)
    }
    if (tx.trackUndo) tx.undo({ type: 'seq-delete', container, ranges, removed })
    doc.logDelete(container, doc.replicaId, counter, ranges)
  } finally {
    doc.endImplicit(tx)
  }
}

export function checkIndex(index: number, length: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index > length) {
    throw new RangeError(`${what}: index ${index} is outside 0..${length}`)
  }
}

export function checkRange(index: number, count: number, length: number, what: string): void {
  if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || count < 0 || index + count > length) {
    throw new RangeError(`${what}: range ${index}..${index + count} is outside 0..${length}`)
  }
}
