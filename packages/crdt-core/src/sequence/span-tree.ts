import { NO_SPAN, type Inner, type Leaf, type SpanRef, type SpanStore, type TreeNode } from './span.js'

/**
 * A B+tree of spans in document order. Every node caches the number of
 * visible items and of all items below it, so finding the k-th visible item,
 * and the index of a span, cost O(log n). Leaves hold up to MAX_SPANS spans;
 * tombstones are never removed, so nodes only ever split.
 */
const MAX_SPANS = 48
const MAX_CHILDREN = 24

export class SpanTree {
  /** Every leaf, by id. */
  private readonly leaves: Leaf[] = []
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

  private newLeaf(): Leaf {
    const leaf: Leaf = { kind: 0, id: this.leaves.length, spans: [], vis: 0, tot: 0, parent: null }
    this.leaves.push(leaf)
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
    const spans = leaf.spans
    const { content, len } = this.store
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!
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
   * Inserts `span` at index `idx` of `leaf.spans`. `counted` is false when
   * the items were already counted (a span split in two).
   */
  insertInLeaf(leaf: Leaf, idx: number, span: SpanRef, counted = false): void {
    this.store.leafOf[span] = leaf.id
    if (idx === leaf.spans.length) leaf.spans.push(span)
    else leaf.spans.splice(idx, 0, span)
    if (!counted) this.adjust(leaf, this.store.visibleLen(span), this.store.len[span]!)
    if (leaf.spans.length > MAX_SPANS) this.splitLeaf(leaf)
  }

  /** Inserts `span` right after `after` (same leaf position). */
  insertAfter(after: SpanRef, span: SpanRef, counted = false): void {
    const leaf = this.leafOf(after)
    this.insertInLeaf(leaf, leaf.spans.indexOf(after) + 1, span, counted)
  }

  /** Inserts `span` right before `before`. */
  insertBefore(before: SpanRef, span: SpanRef): void {
    const leaf = this.leafOf(before)
    this.insertInLeaf(leaf, leaf.spans.indexOf(before), span)
  }

  /** The first span in document order, or NO_SPAN when empty. */
  first(): SpanRef {
    const leaf = this.firstLeaf()
    return leaf.spans.length > 0 ? leaf.spans[0]! : (this.nextLeaf(leaf)?.spans[0] ?? NO_SPAN)
  }

  /** Appends spans in document order (bulk load: no cache, no searching). */
  append(span: SpanRef): void {
    let n = this.root
    while (n.kind === 1) n = n.children[n.children.length - 1]!
    this.insertInLeaf(n, n.spans.length, span)
  }

  /** The span after `span` in document order, or NO_SPAN at the end. */
  next(span: SpanRef): SpanRef {
    const leaf = this.leafOf(span)
    const i = leaf.spans.indexOf(span)
    if (i + 1 < leaf.spans.length) return leaf.spans[i + 1]!
    return this.nextLeaf(leaf)?.spans[0] ?? NO_SPAN
  }

  nextLeaf(leaf: Leaf): Leaf | undefined {
    let n: TreeNode = leaf
    while (n.parent !== null) {
      const p: Inner = n.parent
      const i = p.children.indexOf(n)
      if (i + 1 < p.children.length) {
        let m: TreeNode = p.children[i + 1]!
        while (m.kind === 1) m = m.children[0]!
        return m.spans.length > 0 ? m : this.nextLeaf(m)
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
    for (const s of leaf.spans) {
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
      for (const s of leaf.spans) fn(s)
    }
  }

  private splitLeaf(leaf: Leaf): void {
    // Splitting moves spans between leaves, so the cursor cache may lie.
    this.cacheLeaf = null
    const half = leaf.spans.length >>> 1
    const moved = leaf.spans.splice(half)
    const right = this.newLeaf()
    right.spans = moved
    const store = this.store
    for (const s of moved) {
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
