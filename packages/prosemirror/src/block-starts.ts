import type { Node as PMNode } from 'prosemirror-model'
import { eachBlock, groupType } from './blocks.js'

/** How many blocks' shifts a derived BlockStarts keeps before it copies the arrays with them applied. */
const SHIFTS_KEPT = 16

/**
 * Where each block of `doc` (a top-level textblock, a textblock of a
 * top-level group, or one nested in blocks that hold blocks) starts, as a flat index and as a position. Mapping
 * between the two, or finding the block of a keystroke, is then a binary
 * search instead of a walk over every block before it: in a 100 KB note of
 * 2,000 lines, the walks of one keystroke (the edit's window, its runs, the
 * saved selection) cost more than the rest of the binding. The binding keeps
 * one for the editor's document and derives the next one from it for an edit
 * inside one block (`resized`), so it is built by a walk only after other
 * changes. Immutable: a derived one shares the arrays and records its shift
 * (blocks after `index` moved by `by`); the arrays are copied with the shifts
 * applied only once SHIFTS_KEPT distinct blocks have changed, so typing costs
 * no O(blocks) copy per key.
 */
export class BlockStarts {
  private constructor(
    readonly doc: PMNode,
    /** flat[i], before the pending `shifts`: flat index where block i's text starts; flat[n]: the flat length. */
    private readonly flat: Int32Array,
    /** pos[i], before the pending `shifts`: position before block i; pos[n]: the end of the last block. */
    private readonly pos: Int32Array,
    /** In a grouped document, the group of each block and the first block of each group; else null. */
    private readonly groups: { of: Int32Array; first: Int32Array } | null,
    /** In a document with blocks nested in others (a list's items), each block's path from the top; else null. */
    private readonly paths: readonly Int32Array[] | null,
    /**
     * Pending shifts as pairs [index, by, index, by, ...], indexes ascending and distinct: every
     * entry of `flat` and `pos` after block `index` is `by` larger than the arrays hold.
     */
    private readonly shifts: readonly number[] = [],
  ) {}

  static of(doc: PMNode): BlockStarts {
    const flat = [0]
    const pos: number[] = []
    const of: number[] = []
    // The paths of blocks nested in others (a top-level block's is its index, kept in `of` until needed).
    const deep = new Map<number, Int32Array>()
    let end = 0
    eachBlock(doc, (block, at, start, group, path) => {
      if (path.length > 1 && group < 0) deep.set(pos.length, Int32Array.from(path))
      pos.push(at)
      flat.push(start + block.content.size + 1)
      of.push(group < 0 ? path[0]! : group)
      end = at + block.nodeSize
      return false
    })
    pos.push(end)
    if (deep.size > 0) {
      const paths = of.map((top, i) => deep.get(i) ?? Int32Array.of(top))
      return new BlockStarts(doc, Int32Array.from(flat), Int32Array.from(pos), null, paths)
    }
    if (of.length === 0 || groupType(doc.type.schema) === null) return new BlockStarts(doc, Int32Array.from(flat), Int32Array.from(pos), null, null)
    // Grouped: the first block of each group, for finding a block's node in two steps.
    const first = new Int32Array(doc.childCount)
    for (let i = of.length - 1; i >= 0; i--) first[of[i]!] = i
    return new BlockStarts(doc, Int32Array.from(flat), Int32Array.from(pos), { of: Int32Array.from(of), first }, null)
  }

  /** Whether some block is nested in another (a list's items): then a block's place depends on its neighbours'. */
  get nested(): boolean {
    return this.paths !== null
  }

  /** Block `index`'s path from the top (the child index at each level), in a nested document; else null. */
  path(index: number): ArrayLike<number> | null {
    return this.paths?.[index] ?? null
  }

  /** How many blocks the document has. */
  get count(): number {
    return this.flat.length - 1
  }

  /** The flat length: each block's text and its '\n'. */
  get length(): number {
    return this.flatStart(this.count)
  }

  /** Block `index` of the document. */
  node(index: number): PMNode {
    if (this.paths !== null) {
      let node = this.doc
      for (const i of this.paths[index]!) node = node.child(i)
      return node
    }
    return this.groups === null ? this.doc.child(index) : blockAt(this.doc, index, this.groups.of, this.groups.first)
  }

  /** The block holding flat index `flat` (its text or its '\n'): index, node, position, and its text's flat start and length. */
  at(flat: number): { index: number; node: PMNode; pos: number; start: number; size: number } | null {
    const i = this.blockOfFlat(flat)
    if (i === this.count) return null
    const start = this.flatStart(i)
    return { index: i, node: this.node(i), pos: this.posStart(i), start, size: this.flatStart(i + 1) - start - 1 }
  }

  /** The first block whose '\n' is at or after `flat` (the block count if none). */
  blockOfFlat(flat: number): number {
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.flatStart(mid + 1) > flat) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** The last block that starts at or before position `pos` (0 if none does). */
  blockOfPos(pos: number): number {
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.posStart(mid) <= pos) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /** Flat index where block `index` starts (the flat length for the block count). */
  flatStart(index: number): number {
    return this.flat[index]! + this.shiftAt(index)
  }

  /** Position before block `index` (for the block count: the end of the last block). */
  posStart(index: number): number {
    return this.pos[index]! + this.shiftAt(index)
  }

  /**
   * Flat index of a document position, as `posToFlat` gives it: a position between blocks maps to
   * the start of the block after it; inside a textblock, to its offset in the block's text. Null
   * inside a block that is not a textblock (nested content has no flat offset here).
   */
  flatOfPos(pos: number): number | null {
    const i = this.blockOfPos(pos)
    const start = this.posStart(i)
    if (pos <= start || i === this.count) return this.flatStart(i)
    if (!this.node(i).isTextblock) return null
    // Past the block's end (between groups): the next block's start.
    return Math.min(this.flatStart(i) + (pos - start - 1), this.flatStart(i + 1))
  }

  /** Document position of a flat index, as `flatToPos` gives it (the '\n' maps to its block's end). */
  posOfFlat(flat: number): number {
    const i = this.blockOfFlat(flat)
    if (i === this.count) return Math.max(0, this.posStart(i) - 1)
    return this.posStart(i) + 1 + (flat - this.flatStart(i))
  }

  /**
   * The top-level nodes holding blocks [first, last]: positions [from, to) around them, and the blocks
   * in them outside [first, last] (none unless the blocks are grouped: whole groups are the unit).
   */
  outerRange(first: number, last: number): { from: number; to: number; before: PMNode[]; after: PMNode[] } {
    if (this.groups === null) return { from: this.posStart(first), to: this.posStart(last) + this.node(last).nodeSize, before: [], after: [] }
    const { of, first: starts } = this.groups
    const gA = of[first]!
    const gB = of[last]!
    const groupB = this.doc.child(gB)
    const before: PMNode[] = []
    for (let k = 0; k < first - starts[gA]!; k++) before.push(this.doc.child(gA).child(k))
    const after: PMNode[] = []
    for (let k = last - starts[gB]! + 1; k < groupB.childCount; k++) after.push(groupB.child(k))
    return { from: this.posStart(starts[gA]!) - 1, to: this.posStart(starts[gB]!) - 1 + groupB.nodeSize, before, after }
  }

  /** `doc` (this one's document) with block `index` replaced by `block`. */
  replaceBlock(index: number, block: PMNode): PMNode {
    const doc = this.doc
    if (this.paths !== null) return replaceAlong(doc, this.paths[index]!, 0, block)
    if (this.groups === null) return doc.copy(doc.content.replaceChild(index, block))
    const g = this.groups.of[index]!
    const group = doc.child(g)
    return doc.copy(doc.content.replaceChild(g, group.copy(group.content.replaceChild(index - this.groups.first[g]!, block))))
  }

  /** The starts of `doc`: this document with block `index`'s text `by` characters longer (or shorter). */
  resized(doc: PMNode, index: number, by: number): BlockStarts {
    const shifts = this.shifts.slice()
    let k = 0
    while (k < shifts.length && shifts[k]! < index) k += 2
    if (shifts[k] === index) shifts[k + 1] = shifts[k + 1]! + by
    else shifts.splice(k, 0, index, by)
    if (shifts.length <= 2 * SHIFTS_KEPT) return new BlockStarts(doc, this.flat, this.pos, this.groups, this.paths, shifts)
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
    return new BlockStarts(doc, flat, pos, this.groups, this.paths)
  }

  /** What the pending shifts add to block `index`'s starts: those of the blocks before it. */
  private shiftAt(index: number): number {
    let sum = 0
    for (let k = 0; k < this.shifts.length && this.shifts[k]! < index; k += 2) sum += this.shifts[k + 1]!
    return sum
  }
}

/** `node` with the node at `path` (from level `depth` down) replaced by `block`. */
function replaceAlong(node: PMNode, path: Int32Array, depth: number, block: PMNode): PMNode {
  const i = path[depth]!
  const child = depth === path.length - 1 ? block : replaceAlong(node.child(i), path, depth + 1, block)
  return node.copy(node.content.replaceChild(i, child))
}

function blockAt(doc: PMNode, index: number, of: Int32Array, first: Int32Array): PMNode {
  const g = of[index]!
  return doc.child(g).child(index - first[g]!)
}
