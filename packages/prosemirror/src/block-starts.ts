import type { Node as PMNode } from 'prosemirror-model'

/** How many blocks' shifts a derived BlockStarts keeps before it copies the arrays with them applied. */
const SHIFTS_KEPT = 16

/**
 * Where each top-level block of `doc` starts, as a flat index and as a
 * position. Mapping between the two, or finding the block of a keystroke,
 * is then a binary search instead of a walk over every block before it: in
 * a 100 KB note of 2,000 lines, the walks of one keystroke (the edit's
 * window, its runs, the saved selection) cost more than the rest of the
 * binding. The binding keeps one for the editor's document and derives the
 * next one from it for an edit inside one block (`resized`), so it is built
 * by a walk only after other changes. Immutable: a derived one shares the
 * arrays and records its shift (blocks after `index` moved by `by`); the
 * arrays are copied with the shifts applied only once SHIFTS_KEPT distinct
 * blocks have changed, so typing costs no O(blocks) copy per key.
 */
export class BlockStarts {
  private constructor(
    readonly doc: PMNode,
    /** flat[i], before the pending `shifts`: flat index where block i's text starts; flat[n]: the flat length. */
    private readonly flat: Int32Array,
    /** pos[i], before the pending `shifts`: position before block i; pos[n]: the document's content size. */
    private readonly pos: Int32Array,
    /**
     * Pending shifts as pairs [index, by, index, by, ...], indexes ascending and distinct: every
     * entry of `flat` and `pos` after block `index` is `by` larger than the arrays hold.
     */
    private readonly shifts: readonly number[] = [],
  ) {}

  static of(doc: PMNode): BlockStarts {
    const n = doc.childCount
    const flat = new Int32Array(n + 1)
    const pos = new Int32Array(n + 1)
    for (let i = 0; i < n; i++) {
      const block = doc.child(i)
      flat[i + 1] = flat[i]! + block.content.size + 1
      pos[i + 1] = pos[i]! + block.nodeSize
    }
    return new BlockStarts(doc, flat, pos)
  }

  /** The flat length: each block's text and its '\n'. */
  get length(): number {
    return this.flatStart(this.flat.length - 1)
  }

  /** The block holding flat index `flat` (its text or its '\n'): index, node, position, and its text's flat start and length. */
  at(flat: number): { index: number; node: PMNode; pos: number; start: number; size: number } | null {
    const i = this.blockOfFlat(flat)
    if (i === this.flat.length - 1) return null
    const start = this.flatStart(i)
    return { index: i, node: this.doc.child(i), pos: this.posStart(i), start, size: this.flatStart(i + 1) - start - 1 }
  }

  /** The first block whose '\n' is at or after `flat` (the block count if none). */
  blockOfFlat(flat: number): number {
    let lo = 0
    let hi = this.flat.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.flatStart(mid + 1) > flat) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** Flat index where block `index` starts (the flat length for the block count). */
  flatStart(index: number): number {
    return this.flat[index]! + this.shiftAt(index)
  }

  /**
   * Flat index of a document position, as `posToFlat` gives it: a position between blocks maps to
   * the start of the block after it; inside a textblock, to its offset in the block's text. Null
   * inside a block that is not a textblock (nested content has no flat offset here).
   */
  flatOfPos(pos: number): number | null {
    // The last block starting at or before `pos`.
    let lo = 0
    let hi = this.pos.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.posStart(mid) <= pos) lo = mid
      else hi = mid - 1
    }
    const start = this.posStart(lo)
    if (pos === start) return this.flatStart(lo)
    return this.doc.child(lo).isTextblock ? this.flatStart(lo) + (pos - start - 1) : null
  }

  /** Document position of a flat index, as `flatToPos` gives it (the '\n' maps to its block's end). */
  posOfFlat(flat: number): number {
    const i = this.blockOfFlat(flat)
    if (i === this.flat.length - 1) return Math.max(0, this.doc.content.size - 1)
    return this.posStart(i) + 1 + (flat - this.flatStart(i))
  }

  /** The starts of `doc`: this document with block `index`'s text `by` characters longer (or shorter). */
  resized(doc: PMNode, index: number, by: number): BlockStarts {
    const shifts = this.shifts.slice()
    let k = 0
    while (k < shifts.length && shifts[k]! < index) k += 2
    if (shifts[k] === index) shifts[k + 1] = shifts[k + 1]! + by
    else shifts.splice(k, 0, index, by)
    if (shifts.length <= 2 * SHIFTS_KEPT) return new BlockStarts(doc, this.flat, this.pos, shifts)
    // Too many to add up per lookup: a copy with them applied.
    const flat = this.flat.slice()
    const pos = this.pos.slice()
    let sum = 0
    let next = 0
    for (let i = 0; i < flat.length; i++) {
      while (next < shifts.length && shifts[next]! < i) {
        sum += shifts[next + 1]!
        next += 2
      }
      flat[i] = flat[i]! + sum
      pos[i] = pos[i]! + sum
    }
    return new BlockStarts(doc, flat, pos)
  }

  private posStart(index: number): number {
    return this.pos[index]! + this.shiftAt(index)
  }

  /** What the pending shifts add to block `index`'s starts: those of the blocks before it. */
  private shiftAt(index: number): number {
    let sum = 0
    for (let k = 0; k < this.shifts.length && this.shifts[k]! < index; k += 2) sum += this.shifts[k + 1]!
    return sum
  }
}
