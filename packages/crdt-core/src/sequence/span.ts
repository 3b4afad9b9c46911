/**
 * A span is a run of consecutive items inserted by one replica with
 * consecutive counters, where item k+1's left origin is item k and all items
 * share one right origin. Typing a word is one span.
 *
 * Origins are stored as (replica, counter) pairs; replica 0 means "none"
 * (the start of the sequence for a left origin, the end for a right origin).
 */
export type Content = string | unknown[]

export interface Span {
  replica: number
  counter: number
  len: number
  /** Left origin of the first item. Item k > 0 has left origin (replica, counter + k - 1). */
  olReplica: number
  olCounter: number
  /** Right origin shared by every item of the span. */
  orReplica: number
  orCounter: number
  deleted: boolean
  /** Visible content; null once deleted (tombstones keep only ids and lengths). */
  content: Content | null
  /** Leaf of the span tree holding this span (kept current by the tree). */
  leaf: Leaf
  /** Id run this span belongs to (see id-index.ts). */
  run: IdRun
}

export interface Leaf {
  kind: 0
  spans: Span[]
  /** Visible items below this node. */
  vis: number
  /** All items, tombstones included. */
  tot: number
  parent: Inner | null
}

export interface Inner {
  kind: 1
  children: TreeNode[]
  vis: number
  tot: number
  parent: Inner | null
}

export type TreeNode = Leaf | Inner

/** A contiguous counter range of one replica; its spans are kept sorted by counter. */
export interface IdRun {
  counter: number
  len: number
  spans: Span[]
}

export function sliceContent(c: Content, start: number, end?: number): Content {
  return c.slice(start, end)
}

export function concatContent(a: Content, b: Content): Content {
  return typeof a === 'string' ? a + (b as string) : (a as unknown[]).concat(b as unknown[])
}
