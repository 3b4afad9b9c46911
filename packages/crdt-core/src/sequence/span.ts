/**
 * Spans, stored as a struct of arrays.
 *
 * A span is a run of consecutive items inserted by one replica with
 * consecutive counters, where item k+1's left origin is item k and all items
 * share one right origin. Typing a word is one span.
 *
 * Span s is row s of the columns below. One object per span cost about 110
 * bytes plus a boxed number for each 53-bit replica id; a row costs about 50
 * bytes, and the garbage collector has nothing to trace but the content
 * column. Replicas are stored as small refs into the sequence's replica table
 * (0 means "none": the start of the sequence for a left origin, the end for a
 * right origin), so they stay unboxed integers.
 */
export type Content = string | unknown[]

/** Row index of a span; -1 means "no span". */
export type SpanRef = number
export const NO_SPAN = -1

/** Largest replica ref the narrow (16-bit) ref columns hold. */
const MAX_NARROW_REF = 0xffff

/** Largest counter the narrow (32-bit) counter columns hold. */
export const MAX_NARROW = 0x7fff_ffff

export interface Leaf {
  kind: 0
  /** Position in the tree's leaf table (spans name their leaf by it; its spans sit in slot `id`). */
  id: number
  /** Spans in the leaf. */
  count: number
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

export class SpanStore {
  count = 0
  /** Replica ref of the span's items. */
  /**
   * Replica refs of the span's items and of its origins. 16-bit while the
   * sequence has seen fewer than 65,536 replicas (every document anyone
   * has), widened to 32-bit the first time a larger ref comes.
   */
  rep: Uint16Array | Int32Array
  /**
   * Counter of the first item. The three counter columns are 32-bit while
   * every counter fits (a replica would need two billion edits to leave
   * that); the first larger one widens them to doubles (counters go up to
   * 2^53). That keeps a row at 36 bytes instead of 48.
   */
  ctr: Int32Array | Float64Array
  len: Int32Array
  /** Left origin of the first item. Item k > 0 has left origin (rep, ctr + k - 1). */
  olRep: Uint16Array | Int32Array
  olCtr: Int32Array | Float64Array
  /** Right origin shared by every item of the span. */
  orRep: Uint16Array | Int32Array
  orCtr: Int32Array | Float64Array
  /** The next piece of the span's id run, or NO_SPAN for its last piece (see id-index.ts). */
  nextPiece: Int32Array
  /** Id of the span tree leaf holding the span (kept current by the tree). */
  leafOf: Int32Array
  /** Visible content; null for a tombstone (tombstones keep only ids and lengths). */
  readonly content: (Content | null)[] = []

  constructor(capacity = 64) {
    this.rep = new Uint16Array(capacity)
    this.ctr = new Int32Array(capacity)
    this.len = new Int32Array(capacity)
    this.olRep = new Uint16Array(capacity)
    this.olCtr = new Int32Array(capacity)
    this.orRep = new Uint16Array(capacity)
    this.orCtr = new Int32Array(capacity)
    this.nextPiece = new Int32Array(capacity)
    this.leafOf = new Int32Array(capacity)
  }

  /** Rows given back by `release`, reused before the columns grow. */
  private readonly free: SpanRef[] = []

  /** A new row; the caller fills every column. */
  add(rep: number, ctr: number, len: number, olRep: number, olCtr: number, orRep: number, orCtr: number, content: Content | null): SpanRef {
    if (!this.wide && (ctr > MAX_NARROW || olCtr > MAX_NARROW || orCtr > MAX_NARROW)) this.widen()
    if (!this.wideRefs && (rep > MAX_NARROW_REF || olRep > MAX_NARROW_REF || orRep > MAX_NARROW_REF)) this.widenRefs()
    let s = this.free.pop()
    if (s === undefined) {
      s = this.count++
      if (s === this.rep.length) this.grow()
      this.content.push(null)
    }
    this.rep[s] = rep
    this.ctr[s] = ctr
    this.len[s] = len
    this.olRep[s] = olRep
    this.olCtr[s] = olCtr
    this.orRep[s] = orRep
    this.orCtr[s] = orCtr
    this.content[s] = content
    return s
  }

  /** Gives row s back (a span folded into its neighbour): deleting a character splits one off, so rows would leak otherwise. */
  release(s: SpanRef): void {
    this.content[s] = null
    this.free.push(s)
  }

  deleted(s: SpanRef): boolean {
    return this.content[s] === null
  }

  /** Visible items of span s (0 for a tombstone). */
  visibleLen(s: SpanRef): number {
    return this.content[s] === null ? 0 : this.len[s]!
  }

  /** Whether the counter columns hold doubles (see `ctr`). */
  private wide = false

  /** Whether the replica ref columns are 32-bit (see `rep`). */
  private wideRefs = false

  private widenRefs(): void {
    this.wideRefs = true
    this.rep = Int32Array.from(this.rep)
    this.olRep = Int32Array.from(this.olRep)
    this.orRep = Int32Array.from(this.orRep)
  }

  private widen(): void {
    this.wide = true
    this.ctr = Float64Array.from(this.ctr)
    this.olCtr = Float64Array.from(this.olCtr)
    this.orCtr = Float64Array.from(this.orCtr)
  }

  private grow(): void {
    // 1.25x rather than 2x: the columns are most of a document's memory,
    // and copying typed arrays is cheap next to what fills them.
    const cap = Math.ceil(this.rep.length * 1.25)
    this.rep = growRefs(this.rep, cap)
    this.ctr = growCounters(this.ctr, cap)
    this.len = growInt(this.len, cap)
    this.olRep = growRefs(this.olRep, cap)
    this.olCtr = growCounters(this.olCtr, cap)
    this.orRep = growRefs(this.orRep, cap)
    this.orCtr = growCounters(this.orCtr, cap)
    this.nextPiece = growInt(this.nextPiece, cap)
    this.leafOf = growInt(this.leafOf, cap)
  }
}

/** An Int32Array of `cap` entries starting with `a`'s. */
export function growInt(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap)
  b.set(a)
  return b
}

function growRefs(a: Uint16Array | Int32Array, cap: number): Uint16Array | Int32Array {
  const b = a instanceof Uint16Array ? new Uint16Array(cap) : new Int32Array(cap)
  b.set(a)
  return b
}

/** A counter column of `cap` rows holding `a`, as narrow or wide as `a`. */
export function growCounters(a: Int32Array | Float64Array, cap: number): Int32Array | Float64Array {
  const b = a instanceof Int32Array ? new Int32Array(cap) : new Float64Array(cap)
  b.set(a)
  return b
}

/**
 * Pieces this long and longer V8 makes as views of the whole string
 * (SlicedString), which keep every character of it alive, deleted ones
 * included, and cost a 32-byte view besides.
 */
const SHARED_SLICE_MIN = 13
/** Longer pieces stay views: copying a pasted page at every split would cost more than it keeps. */
const COPIED_SLICE_MAX = 256

/**
 * Items start..end of a span's content. Text pieces of moderate length come
 * back as their own flat strings: on automerge-paper the strings holding its
 * 105 KB of visible text take 192 KB instead of 248 KB, at no measurable
 * cost to local apply.
 */
export function sliceContent(c: Content, start: number, end: number = c.length): Content {
  if (typeof c !== 'string') return c.slice(start, end)
  const n = end - start
  if (n < SHARED_SLICE_MIN || n > COPIED_SLICE_MAX) return c.slice(start, end)
  // join writes its result into a new flat string (a one-element join would return the view itself).
  return [c.slice(start, start + 1), c.slice(start + 1, end)].join('')
}

export function concatContent(a: Content, b: Content): Content {
  return typeof a === 'string' ? a + (b as string) : (a as unknown[]).concat(b as unknown[])
}
