import type { JsonValue } from '../values.js'
import { MarkRanges } from './mark-ranges.js'

/**
 * Formatting marks on text, after Peritext (Litt et al., 2022).
 *
 * A mark op formats (or, with value null, unformats) the characters between
 * two anchors. An anchor sits just before or just after a character id (or
 * at the start / end of the text), so it stays where it was put across
 * every concurrent insert and delete: the sequence order of ids, tombstones
 * included, is the same on every replica, and so is which characters lie
 * between two anchors. Per key, a character takes the value of the covering
 * op with the highest (lamport, replica): concurrent overlapping marks of
 * one key resolve the same way everywhere, and a later unformat wins over
 * the format it saw.
 *
 * Whether a mark grows when text is typed at its edges is decided when the
 * op is made, by where its anchors go (see `anchorsFor`): bold's end anchor
 * sits before the next character, so text typed at its end lands inside;
 * a link's sits after its last character, so text typed there lands outside.
 */

/** Where an anchor sits relative to its character. */
export const enum AnchorSide {
  Before = 0,
  After = 1,
}

/** A position between characters; replica 0 means the start (as a start anchor) or end (as an end anchor) of the text. */
export interface Anchor {
  replica: number
  counter: number
  side: AnchorSide
}

/** One format/unformat operation as it travels in a delta. */
export interface MarkOp {
  replica: number
  counter: number
  lamport: number
  key: string
  /** null removes the mark. */
  value: JsonValue | null
  start: Anchor
  end: Anchor
}

/** Which edges of a mark grow when text is typed there. */
export type MarkExpand = 'after' | 'before' | 'both' | 'none'

/**
 * Default growth per key (Peritext's table): inline styles grow at their
 * end, links and comments at neither edge, block attributes neither.
 */
export function defaultExpand(key: string): MarkExpand {
  return key === 'link' || key === 'href' || key === 'comment' || key.startsWith('comment:') || key === 'block' ? 'none' : 'after'
}

/** What a mark store needs from the text's sequence. */
export interface AnchorResolver {
  /** Visible length of the text. */
  readonly length: number
  /** Visible index where item (replica, counter) is, or would be if deleted; -1 if unknown. */
  visibleIndexOfId(replica: number, counter: number): number
  isDeletedAt(replica: number, counter: number): boolean
}

/** A run of text with the same marks. */
export interface TextSpan {
  insert: string
  attributes?: Record<string, JsonValue>
}

/** Whether op a wins over op b for a key: higher lamport, then higher replica id. */
export function markWins(a: MarkOp, b: MarkOp): boolean {
  return a.lamport !== b.lamport ? a.lamport > b.lamport : a.replica !== b.replica ? a.replica > b.replica : a.counter > b.counter
}

/** Visible boundary an anchor maps to (a position 0..length between visible characters). */
export function anchorIndex(seq: AnchorResolver, a: Anchor, isEnd: boolean): number {
  if (a.replica === 0) return isEnd ? seq.length : 0
  const i = seq.visibleIndexOfId(a.replica, a.counter)
  if (i < 0) throw new Error(`internal: mark anchor ${a.replica}:${a.counter} names no character`)
  return a.side === AnchorSide.After && !seq.isDeletedAt(a.replica, a.counter) ? i + 1 : i
}

/** Every mark op of one text, and the spans they resolve to. */
export class MarkStore {
  readonly ops: MarkOp[] = []
  /** Dots seen, for idempotent joins: `${replica}:${counter}`. */
  private readonly dots = new Set<string>()

  get size(): number {
    return this.ops.length
  }

  /** Adds an op unless it is known; returns true when it was new. */
  add(op: MarkOp): boolean {
    const dot = `${op.replica}:${op.counter}`
    if (this.dots.has(dot)) return false
    this.dots.add(dot)
    this.ops.push(op)
    return true
  }

  /** Ops by dots above `since` (for deltas). */
  since(since: Readonly<Record<number, number>>): MarkOp[] {
    return this.ops.filter((op) => op.counter > (since[op.replica] ?? 0))
  }

  /** The last whole-text resolution and the text state it was made for (see `resolve`). */
  private cached: { key: string; result: ResolvedMarks } | null = null

  /**
   * Each op's visible range, valid while the text has `rangedLength` visible
   * and `rangedTotal` items in all, for the first `ranges.size` ops. Anchors
   * are found in the sequence once per op; after that the ranges follow the
   * text's edits (`afterInsert`, `afterDelete`), so a keystroke in a text
   * with thousands of marks costs a pass over integers, not a lookup per
   * anchor. Any edit they did not hear about (the lengths disagree) makes
   * them be found again.
   */
  private readonly ranges = new MarkRanges()
  private rangedLength = -1
  private rangedTotal = -1

  /**
   * The winning value of every key per visible range, as boundaries and
   * attribute sets: `bounds[i]..bounds[i+1]` carries `attrs[i]` (null: none).
   * Cached until the text changes: visible length, total length (tombstones
   * included) and op count together change with every edit, since the last
   * two only grow and a delete alone shrinks the first.
   */
  resolve(seq: AnchorResolver & { readonly totalLength: number }): ResolvedMarks {
    const key = `${seq.length}:${seq.totalLength}:${this.ops.length}`
    if (this.cached !== null && this.cached.key === key) return this.cached.result
    const result = this.resolveWindow(seq, 0, seq.length)
    this.cached = { key, result }
    return result
  }

  /** The last window resolved, for the text state it was made for: a keystroke's marks are read twice. */
  private lastWindow: { from: number; to: number; length: number; total: number; ops: number; result: ResolvedMarks } | null = null

  /** `resolve` over the visible window [from, to) only: bounds start at `from` and end at `to`. Shared: do not modify. */
  resolveWindow(seq: AnchorResolver & { readonly totalLength: number }, from: number, to: number): ResolvedMarks {
    if (this.ops.length === 0 || from >= to) return { bounds: [from, Math.max(from, to)], attrs: [null] }
    const last = this.lastWindow
    if (last !== null && last.from === from && last.to === to && last.length === seq.length && last.total === seq.totalLength && last.ops === this.ops.length) {
      return last.result
    }
    const result = this.computeWindow(seq, from, to)
    this.lastWindow = { from, to, length: seq.length, total: seq.totalLength, ops: this.ops.length, result }
    return result
  }

  private computeWindow(seq: AnchorResolver & { readonly totalLength: number }, from: number, to: number): ResolvedMarks {
    this.ensureRanges(seq)
    const froms: number[] = []
    const tos: number[] = []
    const live: MarkOp[] = []
    this.ranges.overlapping(from, to, (i, f, t) => {
      froms.push(Math.max(f, from))
      tos.push(Math.min(t, to))
      live.push(this.ops[i]!)
    })
    return sweep(froms, tos, live, from, to)
  }

  /** `length` visible items were inserted at `index` (already in `seq`). */
  afterInsert(seq: AnchorResolver & { readonly totalLength: number }, index: number, length: number): void {
    if (!this.rangesHeld(seq.length - length, seq.totalLength - length)) return
    // A bound at the insert point moves past the new text or not, by which side of it its anchor is.
    this.ranges.shiftForInsert(index, length, (i, isEnd) => anchorIndex(seq, isEnd ? this.ops[i]!.end : this.ops[i]!.start, isEnd))
    this.rangedLength = seq.length
    this.rangedTotal = seq.totalLength
  }

  /** `length` visible items at `index` were deleted (already in `seq`; they stay as tombstones). */
  afterDelete(seq: AnchorResolver & { readonly totalLength: number }, index: number, length: number): void {
    if (!this.rangesHeld(seq.length + length, seq.totalLength)) return
    this.ranges.shiftForDelete(index, length)
    this.rangedLength = seq.length
    this.rangedTotal = seq.totalLength
  }

  /** Whether the kept ranges describe the text at these lengths; if not they are dropped. */
  private rangesHeld(length: number, total: number): boolean {
    if (this.ranges.size === 0) return false
    if (this.rangedLength === length && this.rangedTotal === total) return true
    this.ranges.clear()
    return false
  }

  private ensureRanges(seq: AnchorResolver & { readonly totalLength: number }): void {
    if (this.rangedLength !== seq.length || this.rangedTotal !== seq.totalLength) this.ranges.clear()
    for (let i = this.ranges.size; i < this.ops.length; i++) {
      const op = this.ops[i]!
      this.ranges.push(anchorIndex(seq, op.start, false), anchorIndex(seq, op.end, true))
    }
    this.rangedLength = seq.length
    this.rangedTotal = seq.totalLength
  }
}

/** Resolves ops (already clipped to [from, to)) to bounds and winning attribute sets over that window. */
function sweep(froms: number[], tos: number[], live: MarkOp[], from: number, to: number): ResolvedMarks {
  const n = live.length
  if (n === 0) return { bounds: [from, to], attrs: [null] }
  if (n === 1) return sweepOne(froms[0]!, tos[0]!, live[0]!, from, to)
  const order: number[] = []
  for (let i = 0; i < n; i++) order.push(i)
  order.sort((a, b) => froms[a]! - froms[b]!)
  const cuts = new Float64Array(2 * n + 2)
  for (let i = 0; i < n; i++) {
    cuts[2 * i] = froms[i]!
    cuts[2 * i + 1] = tos[i]!
  }
  cuts[2 * n] = from
  cuts[2 * n + 1] = to
  cuts.sort()
  const bounds: number[] = []
  for (let i = 0; i < cuts.length; i++) if (i === 0 || cuts[i] !== cuts[i - 1]) bounds.push(cuts[i]!)
  const active: number[] = []
  const attrs: (Record<string, JsonValue> | null)[] = []
  let next = 0
  let prevWinners: MarkOp[] = []
  let prevSet: Record<string, JsonValue> | null = null
  for (let i = 0; i + 1 < bounds.length; i++) {
    const at = bounds[i]!
    let w = 0
    for (let k = 0; k < active.length; k++) if (tos[active[k]!]! > at) active[w++] = active[k]!
    active.length = w
    while (next < n && froms[order[next]!]! <= at) {
      const j = order[next++]!
      if (tos[j]! > at) active.push(j)
    }
    // The winner per key among the (few) active ops.
    const winners: MarkOp[] = []
    for (const j of active) {
      const op = live[j]!
      let k = 0
      while (k < winners.length && winners[k]!.key !== op.key) k++
      if (k === winners.length) winners.push(op)
      else if (markWins(op, winners[k]!)) winners[k] = op
    }
    // Neighbouring segments with the same winners share one attribute object.
    if (winners.length === prevWinners.length && winners.every((op) => prevWinners.includes(op))) {
      attrs.push(prevSet)
      continue
    }
    winners.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    let set: Record<string, JsonValue> | null = null
    for (const op of winners) {
      if (op.value === null) continue
      set ??= {}
      Object.defineProperty(set, op.key, { value: op.value, enumerable: true, writable: true, configurable: true })
    }
    prevWinners = winners
    prevSet = set
    attrs.push(set)
  }
  return { bounds, attrs }
}

/** `sweep` of a single op (a keystroke's window inside one bold word, say). */
function sweepOne(f: number, t: number, op: MarkOp, from: number, to: number): ResolvedMarks {
  const set = op.value === null ? null : { [op.key]: op.value }
  const bounds: number[] = [from]
  const attrs: (Record<string, JsonValue> | null)[] = []
  if (f > from) {
    bounds.push(f)
    attrs.push(null)
  }
  bounds.push(t)
  attrs.push(set)
  if (t < to) {
    bounds.push(to)
    attrs.push(null)
  }
  return { bounds, attrs }
}

/** Marks resolved over a text: `bounds[i]..bounds[i+1]` carries `attrs[i]` (null: none). Shared: do not modify. */
export interface ResolvedMarks {
  bounds: number[]
  attrs: (Record<string, JsonValue> | null)[]
}

/** Deep equality of two attribute sets (JSON values). */
export function sameAttrs(a: Record<string, JsonValue> | null | undefined, b: Record<string, JsonValue> | null | undefined): boolean {
  if (a == null || b == null) return (a == null) === (b == null)
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) if (!Object.hasOwn(b, k) || JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false
  return true
}
