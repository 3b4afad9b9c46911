import { NO_SPAN, growInt, type Inner, type Leaf, type SpanRef, type SpanStore, type TreeNode } from './span.js'

/**
 * A B+tree of spans in document order. Every node caches the number of
 * visible items and of all items below it, so finding the k-th visible item,
 * and the index of a span, cost O(log n). Leaves hold up to MAX_SPANS spans;
 * an overflowing leaf passes spans to a sibling with room, or else splits.
 * Tombstones stay (folding two only shrinks a leaf), so nodes never merge.
 *
 * A leaf's spans live in a fixed slot of one shared Int32Array (leaf id *
 * SLOT): an array per leaf, grown by splice, cost three times the memory.
 */
export const MAX_SPANS = 48
/** Room for one span past the maximum: a leaf splits right after it overflows. */
const SLOT = MAX_SPANS + 1
const MAX_CHILDREN = 24
/** Fewest free slots a sibling needs to take spans (see `shareWithSibling`): less room buys an insert or two before the next overflow. */
const MIN_SHARE = 4

export class SpanTree {
  /** Every leaf, by id. */
  private readonly leaves: Leaf[] = []
  /** Leaf spans, SLOT entries per leaf id. */
  private slots: Int32Array = new Int32Array(SLOT * 8)
  root: TreeNode = this.newLeaf()
  /** Offset inside the span `findVisible` returned (a field, so lookups allocate nothing). */
  foundOffset = 0
  /**
   * Cursor cache: the leaf of the last lookup and the visible index where it
   * starts. Editing at nearly the same place again (typing) then skips the
   * descent. Valid only while `cacheValid` holds; anything that may shift
   * visible indices before the cached leaf clears it.
   */
  private cacheLeaf: Leaf | null = null
  private cacheStart = 0

  constructor(private readonly store: SpanStore) {}

  /** The leaf holding span s. */
  leafOf(s: SpanRef): Leaf {
    return this.leaves[this.store.leafOf[s]!]!
  }

  /** Span i (0 <= i < leaf.count) of a leaf. */
  spanAt(leaf: Leaf, i: number): SpanRef {
    return this.slots[leaf.id * SLOT + i]!
  }

  /** Position of span s in its leaf. */
  indexInLeaf(leaf: Leaf, s: SpanRef): number {
    const slots = this.slots
    const base = leaf.id * SLOT
    for (let i = 0; i < leaf.count; i++) if (slots[base + i] === s) return i
    return -1
  }

  /** Removes span i of a leaf (a tombstone folded into its neighbour; counts are the caller's). */
  removeAt(leaf: Leaf, i: number): void {
    const base = leaf.id * SLOT
    this.slots.copyWithin(base + i, base + i + 1, base + leaf.count)
    leaf.count--
  }

  private newLeaf(): Leaf {
    const leaf: Leaf = { kind: 0, id: this.leaves.length, count: 0, vis: 0, tot: 0, parent: null }
    this.leaves.push(leaf)
    if (this.leaves.length * SLOT > this.slots.length) {
      this.slots = growInt(this.slots, Math.ceil(this.leaves.length * 1.25) * SLOT)
    }
    return leaf
  }

  get visibleLength(): number {
    return this.root.vis
  }

  get totalLength(): number {
    return this.root.tot
  }

  invalidateCache(): void {
    this.cacheLeaf = null
  }

  firstLeaf(): Leaf {
    let n = this.root
    while (n.kind === 1) n = n.children[0]!
    return n
  }

  /** The span holding visible item k (0 <= k < visibleLength); its offset goes to `foundOffset`. */
  findVisible(k: number): SpanRef {
    let leaf: Leaf
    let rem: number
    const c = this.cacheLeaf
    if (c !== null && k >= this.cacheStart && k < this.cacheStart + c.vis) {
      leaf = c
      rem = k - this.cacheStart
    } else {
      let n: TreeNode = this.root
      let start = 0
      rem = k
      while (n.kind === 1) {
        const children: TreeNode[] = n.children
        let i = 0
        for (; i < children.length - 1; i++) {
          const v = children[i]!.vis
          if (rem < v) break
          rem -= v
          start += v
        }
        n = children[i]!
      }
      leaf = n
      this.cacheLeaf = leaf
      this.cacheStart = start
    }
    const slots = this.slots
    const base = leaf.id * SLOT
    const { content, len } = this.store
    for (let i = 0; i < leaf.count; i++) {
      const s = slots[base + i]!
      if (content[s] === null) continue
      const n = len[s]!
      if (rem < n) {
        this.foundOffset = rem
        return s
      }
      rem -= n
    }
    throw new RangeError(`visible index ${k} out of range (length ${this.root.vis})`)
  }

  /** Adds to the cached counts of a leaf and its ancestors. */
  adjust(leaf: Leaf, dVis: number, dTot: number): void {
    // A change in any other leaf may shift where the cached leaf starts.
    if (leaf !== this.cacheLeaf) this.cacheLeaf = null
    for (let n: TreeNode | null = leaf; n !== null; n = n.parent) {
      n.vis += dVis
      n.tot += dTot
    }
  }

  /**
   * Inserts `span` at position `idx` of a leaf. `counted` is false when
   * the items were already counted (a span split in two).
   */
  insertInLeaf(leaf: Leaf, idx: number, span: SpanRef, counted = false): void {
    this.store.leafOf[span] = leaf.id
    const base = leaf.id * SLOT
    if (idx < leaf.count) this.slots.copyWithin(base + idx + 1, base + idx, base + leaf.count)
    this.slots[base + idx] = span
    leaf.count++
    if (!counted) this.adjust(leaf, this.store.visibleLen(span), this.store.len[span]!)
    if (leaf.count > MAX_SPANS && !this.shareWithSibling(leaf)) this.splitLeaf(leaf)
  }

  /** Inserts `span` right after `after` (same leaf position). */
  insertAfter(after: SpanRef, span: SpanRef, counted = false): void {
    const leaf = this.leafOf(after)
    this.insertInLeaf(leaf, this.indexInLeaf(leaf, after) + 1, span, counted)
  }

  /** Inserts `span` right before `before`. */
  insertBefore(before: SpanRef, span: SpanRef): void {
    const leaf = this.leafOf(before)
    this.insertInLeaf(leaf, this.indexInLeaf(leaf, before), span)
  }

  /** The first span in document order, or NO_SPAN when empty. */
  first(): SpanRef {
    let leaf: Leaf | undefined = this.firstLeaf()
    if (leaf.count === 0) leaf = this.nextLeaf(leaf)
    return leaf === undefined ? NO_SPAN : this.spanAt(leaf, 0)
  }

  /** Appends spans in document order (bulk load: no cache, no searching). */
  append(span: SpanRef): void {
    let n = this.root
    while (n.kind === 1) n = n.children[n.children.length - 1]!
    this.insertInLeaf(n, n.count, span)
  }

  /** The span after `span` in document order, or NO_SPAN at the end. */
  next(span: SpanRef): SpanRef {
    const leaf = this.leafOf(span)
    const i = this.indexInLeaf(leaf, span)
    if (i + 1 < leaf.count) return this.spanAt(leaf, i + 1)
    const next = this.nextLeaf(leaf)
    return next === undefined ? NO_SPAN : this.spanAt(next, 0)
  }

  /** The span before `span` in document order, or NO_SPAN at the start. */
  prev(span: SpanRef): SpanRef {
    const leaf = this.leafOf(span)
    const i = this.indexInLeaf(leaf, span)
    if (i > 0) return this.spanAt(leaf, i - 1)
    const prev = this.prevLeaf(leaf)
    return prev === undefined ? NO_SPAN : this.spanAt(prev, prev.count - 1)
  }

  private prevLeaf(leaf: Leaf): Leaf | undefined {
    let n: TreeNode = leaf
    while (n.parent !== null) {
      const p: Inner = n.parent
      const i = p.children.indexOf(n)
      if (i > 0) {
        let m: TreeNode = p.children[i - 1]!
        while (m.kind === 1) m = m.children[m.children.length - 1]!
        return m.count > 0 ? m : this.prevLeaf(m)
      }
      n = p
    }
    return undefined
  }

  nextLeaf(leaf: Leaf): Leaf | undefined {
    let n: TreeNode = leaf
    while (n.parent !== null) {
      const p: Inner = n.parent
      const i = p.children.indexOf(n)
      if (i + 1 < p.children.length) {
        let m: TreeNode = p.children[i + 1]!
        while (m.kind === 1) m = m.children[0]!
        return m.count > 0 ? m : this.nextLeaf(m)
      }
      n = p
    }
    return undefined
  }

  /** Visible items before `span` (its visible index if it is visible). */
  visibleIndexOf(span: SpanRef): number {
    return this.indexOf(span, true)
  }

  /** Items, tombstones included, before `span`: a total order on positions. */
  absoluteIndexOf(span: SpanRef): number {
    return this.indexOf(span, false)
  }

  private indexOf(span: SpanRef, visible: boolean): number {
    const store = this.store
    const leaf = this.leafOf(span)
    let idx = 0
    const base = leaf.id * SLOT
    for (let i = 0; i < leaf.count; i++) {
      const s = this.slots[base + i]!
      if (s === span) break
      idx += visible ? store.visibleLen(s) : store.len[s]!
    }
    let n: TreeNode = leaf
    while (n.parent !== null) {
      const p: Inner = n.parent
      for (const c of p.children) {
        if (c === n) break
        idx += visible ? c.vis : c.tot
      }
      n = p
    }
    return idx
  }

  /** Every span in document order. */
  forEach(fn: (span: SpanRef) => void): void {
    for (let leaf: Leaf | undefined = this.firstLeaf(); leaf !== undefined; leaf = this.nextLeaf(leaf)) {
      for (let i = 0; i < leaf.count; i++) fn(this.slots[leaf.id * SLOT + i]!)
    }
  }

  /**
   * Evens out an overflowing leaf with a sibling leaf that has room, moving
   * spans across their shared boundary. Splitting alone left leaves 60%
   * full on automerge-paper (typing lands mid-leaf, and a loaded state's
   * leaves stayed at half); sharing first fills them to 82% (96% loaded),
   * and the slots take 65 KB instead of 103 KB. Both leaves have one
   * parent, so no ancestor's counts change. Returns false when the sibling
   * with more room has fewer than MIN_SHARE free slots.
   */
  private shareWithSibling(leaf: Leaf): boolean {
    const parent = leaf.parent
    if (parent === null) return false
    const siblings = parent.children
    const i = siblings.indexOf(leaf)
    const left = i > 0 ? (siblings[i - 1] as Leaf) : null
    const right = i + 1 < siblings.length ? (siblings[i + 1] as Leaf) : null
    const sibling = left !== null && (right === null || left.count <= right.count) ? left : right
    if (sibling === null || sibling.count > MAX_SPANS - MIN_SHARE) return false
    // Moving spans shifts where leaves start: the cursor cache may lie.
    this.cacheLeaf = null
    const moved = leaf.count - ((leaf.count + sibling.count) >>> 1)
    const slots = this.slots
    const from = leaf.id * SLOT
    const to = sibling.id * SLOT
    let first: number
    if (sibling === left) {
      // Leaf's first spans go to the end of its left sibling.
      first = to + sibling.count
      slots.copyWithin(first, from, from + moved)
      slots.copyWithin(from, from + moved, from + leaf.count)
    } else {
      // Leaf's last spans go to the front of its right sibling.
      first = to
      slots.copyWithin(to + moved, to, to + sibling.count)
      slots.copyWithin(to, from + leaf.count - moved, from + leaf.count)
    }
    leaf.count -= moved
    sibling.count += moved
    const store = this.store
    let vis = 0
    let tot = 0
    for (let k = first; k < first + moved; k++) {
      const s = slots[k]!
      store.leafOf[s] = sibling.id
      tot += store.len[s]!
      vis += store.visibleLen(s)
    }
    leaf.vis -= vis
    leaf.tot -= tot
    sibling.vis += vis
    sibling.tot += tot
    return true
  }

  private splitLeaf(leaf: Leaf): void {
    // Splitting moves spans between leaves, so the cursor cache may lie.
    this.cacheLeaf = null
    const half = leaf.count >>> 1
    const right = this.newLeaf() // may grow `slots`: read it after
    const slots = this.slots
    const from = leaf.id * SLOT
    slots.copyWithin(right.id * SLOT, from + half, from + leaf.count)
    right.count = leaf.count - half
    leaf.count = half
    const store = this.store
    for (let i = 0; i < right.count; i++) {
      const s = slots[right.id * SLOT + i]!
      store.leafOf[s] = right.id
      right.tot += store.len[s]!
      right.vis += store.visibleLen(s)
    }
    leaf.vis -= right.vis
    leaf.tot -= right.tot
    this.insertSibling(leaf, right)
  }

  private insertSibling(node: TreeNode, sibling: TreeNode): void {
    const parent = node.parent
    if (parent === null) {
      const root: Inner = { kind: 1, children: [node, sibling], vis: node.vis + sibling.vis, tot: node.tot + sibling.tot, parent: null }
      node.parent = root
      sibling.parent = root
      this.root = root
      return
    }
    sibling.parent = parent
    parent.children.splice(parent.children.indexOf(node) + 1, 0, sibling)
    if (parent.children.length > MAX_CHILDREN) this.splitInner(parent)
  }

  private splitInner(node: Inner): void {
    const half = node.children.length >>> 1
    const moved = node.children.splice(half)
    const right: Inner = { kind: 1, children: moved, vis: 0, tot: 0, parent: null }
    for (const c of moved) {
      c.parent = right
      right.vis += c.vis
      right.tot += c.tot
    }
    node.vis -= right.vis
    node.tot -= right.tot
    this.insertSibling(node, right)
  }
}
