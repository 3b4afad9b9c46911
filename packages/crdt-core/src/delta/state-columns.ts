import { WeftDecodeError } from '../errors.js'
import type { Reader, Writer } from '../encoding/index.js'
import { MAX_VARUINT_BYTES, putVarUint } from '../encoding/raw.js'
import { MAX_NARROW, type Content } from '../sequence/span.js'
import { MAX_SPAN_LEN, type SequenceColumns } from '../sequence/columns.js'

/**
 * Columnar layout of a sequence inside a state (snapshot). A state lists
 * every span in document order, so most origins are implied by neighbours
 * and the visible content is stored once, as one string:
 *
 *   n spans | content (text: one string; list: the visible items)
 *   replica column: RLE (ref, run) | id column: per span, zig-zag counter delta from the
 *   previous span's end and length | flag column: RLE (flags, run) | explicit left origins | explicit right origins
 *
 * Flags: bit 0 deleted; bits 1-2 left origin (0 previous span's last item,
 * 1 none, 2 explicit); bits 3-5 right origin (0 next span's first item,
 * 1 the next span's right origin, 2 none, 3 explicit).
 */
const DELETED = 1
const OL_PREV = 0
const OL_NONE = 1
const OL_EXPLICIT = 2
const OR_NEXT = 0
const OR_AS_NEXT = 1
const OR_NONE = 2
const OR_EXPLICIT = 3

export type ItemWriter = (w: Writer, item: unknown) => void
export type ItemReader = (r: Reader) => unknown
type RefOf = (replica: number) => number
type ReplicaAt = (ref: number, allowNone: boolean) => number
/** Checks that a replica's items (counter .. counter + len - 1) lie inside the delta's declared dots. */
type CheckIds = (replica: number, counter: number, len: number) => void

/** How span i's left origin is written (see the flags above). */
function leftMode(c: SequenceColumns, i: number): number {
  const rep = c.olRep[i]!
  if (rep === 0) return OL_NONE
  if (i > 0 && rep === c.rep[i - 1] && c.olCounter[i] === c.counter[i - 1]! + c.len[i - 1]! - 1) return OL_PREV
  return OL_EXPLICIT
}

/** How span i's right origin is written. */
function rightMode(c: SequenceColumns, i: number): number {
  const rep = c.orRep[i]!
  if (i + 1 < c.n) {
    if (rep === c.rep[i + 1] && c.orCounter[i] === c.counter[i + 1]) return OR_NEXT
    if (rep === c.orRep[i + 1] && c.orCounter[i] === c.orCounter[i + 1]) return OR_AS_NEXT
  }
  return rep === 0 ? OR_NONE : OR_EXPLICIT
}

export function writeSequenceColumns(w: Writer, c: SequenceColumns, isText: boolean, refOf: RefOf, writeItem: ItemWriter): void {
  const n = c.n
  // The columns' replica refs, as refs into the delta's table.
  const tableRef = c.replicas.map((id) => (id === 0 ? 0 : refOf(id)))
  w.writeVarUint(n)
  if (isText) {
    w.writeString(c.content as string)
  } else {
    w.writeVarUint(c.content.length)
    for (const item of c.content as unknown[]) writeItem(w, item)
  }
  const reps = new Int32Array(n)
  for (let i = 0; i < n; i++) reps[i] = tableRef[c.rep[i]!]!
  const flags = new Uint8Array(n)
  for (let i = 0; i < n; i++) flags[i] = c.deleted[i]! | (leftMode(c, i) << 1) | (rightMode(c, i) << 3)

  // Every number goes into one buffer sized for the worst case, in tight
  // loops: a state is encoded once, in cold code, where a writer call per
  // number costs more than the number.
  const out = new Uint8Array(n * MAX_BYTES_PER_SPAN)
  let p = putRle(out, 0, reps)
  let end = 0
  for (let i = 0; i < n; i++) {
    const delta = c.counter[i]! - end
    p = putVarUint(out, p, delta >= 0 ? delta * 2 : -delta * 2 - 1)
    p = putVarUint(out, p, c.len[i]!)
    end = c.counter[i]! + c.len[i]!
  }
  p = putRle(out, p, flags)
  for (let i = 0; i < n; i++) {
    if (((flags[i]! >> 1) & 3) !== OL_EXPLICIT) continue
    p = putVarUint(out, p, tableRef[c.olRep[i]!]!)
    p = putVarUint(out, p, c.olCounter[i]!)
  }
  for (let i = 0; i < n; i++) {
    if (flags[i]! >> 3 !== OR_EXPLICIT) continue
    p = putVarUint(out, p, tableRef[c.orRep[i]!]!)
    p = putVarUint(out, p, c.orCounter[i]!)
  }
  w.writeRaw(out.subarray(0, p))
}

/**
 * Most column bytes one span can take: a replica run (ref and length), its
 * id (counter delta and length), a flag run, and two explicit origins.
 */
const MAX_BYTES_PER_SPAN = 2 * MAX_VARUINT_BYTES + 2 * MAX_VARUINT_BYTES + 2 * MAX_VARUINT_BYTES + 4 * MAX_VARUINT_BYTES

/**
 * Decodes a sequence's columns and checks what a state alone can show: ids
 * inside the format's bounds and not claimed twice, every explicit origin an
 * item of the state (implied origins are by construction), content matching
 * the visible spans. Throws `WeftDecodeError`.
 */
export function readSequenceColumns(r: Reader, isText: boolean, replicaAt: ReplicaAt, readItem: ItemReader, checkIds: CheckIds): SequenceColumns {
  // Each span takes at least its id (two varints): one replica run and one
  // flag run can cover every span, and implied origins take no bytes.
  const n = r.readCount(2)
  let content: Content
  if (isText) {
    content = r.readString()
  } else {
    const count = r.readCount(1)
    const items: unknown[] = new Array(count)
    for (let k = 0; k < count; k++) items[k] = readItem(r)
    content = items
  }
  // Replicas stay refs (positions in the delta's replica table); `table` resolves each once.
  const table = new ReplicaTable(replicaAt)
  const refs = new Int32Array(n)
  const onlyRef = readRefRuns(r, n, refs, table)
  const counter = new Float64Array(n)
  const len = new Float64Array(n)
  // Each span's end, for StateIds (filled here: a separate pass in cold code costs as much as this one).
  const ends = new Float64Array(n)
  let end = 0
  let maxEnd = 0
  let total = 0
  const idColumn = readVarUints(r, 2 * n)
  for (let i = 0; i < n; i++) {
    const z = idColumn[2 * i]!
    const c = end + (z % 2 === 0 ? z / 2 : -(z + 1) / 2)
    const l = idColumn[2 * i + 1]!
    if (l < 1 || l > MAX_SPAN_LEN || c < 1 || c + l > Number.MAX_SAFE_INTEGER) throw new WeftDecodeError('out-of-range', 'bad span id or length')
    counter[i] = c
    len[i] = l
    end = c + l
    ends[i] = end
    if (end > maxEnd) maxEnd = end
    total += l
  }
  const ids = new StateIds(refs, counter, ends, maxEnd, onlyRef)
  ids.forEachReplica((ref, first, last) => checkIds(table.ids[ref]!, first, last - first + 1))

  const flags = readFlagRuns(r, n)
  const deleted = new Uint8Array(n)
  const olRef = new Int32Array(n)
  const olCounter = new Float64Array(n)
  let visible = 0
  let explicitLeft = 0
  let explicitRight = 0
  for (let i = 0; i < n; i++) {
    const f = flags[i]!
    const lm = (f >> 1) & 3
    const rm = f >> 3
    if (f > 63 || lm > OL_EXPLICIT || rm > OR_EXPLICIT) throw new WeftDecodeError('invalid', `unknown span flags ${f}`)
    deleted[i] = f & DELETED
    if ((f & DELETED) === 0) visible += len[i]!
    if (lm === OL_PREV) {
      if (i === 0) throw new WeftDecodeError('invalid', 'first span cannot take its left origin from a previous one')
      olRef[i] = refs[i - 1]!
      olCounter[i] = counter[i - 1]! + len[i - 1]! - 1
    } else if (lm === OL_EXPLICIT) explicitLeft++
    if (rm === OR_EXPLICIT) explicitRight++
  }
  // Explicit origins: all left ones, then all right ones, each a (ref, counter) pair.
  const origins = readVarUints(r, 2 * (explicitLeft + explicitRight))
  ids.checkOrigins(origins, table)
  const orRef = new Int32Array(n)
  const orCounter = new Float64Array(n)
  let left = 0
  let right = 2 * explicitLeft
  for (let i = 0; i < n; i++) {
    const f = flags[i]!
    if (((f >> 1) & 3) === OL_EXPLICIT) {
      olRef[i] = origins[left]!
      olCounter[i] = origins[left + 1]!
      left += 2
    }
    if (f >> 3 === OR_EXPLICIT) {
      orRef[i] = origins[right]!
      orCounter[i] = origins[right + 1]!
      right += 2
    }
  }
  // Right origins that refer to the next span resolve from the end backwards.
  for (let i = n - 1; i >= 0; i--) {
    const rm = flags[i]! >> 3
    if (rm !== OR_NEXT && rm !== OR_AS_NEXT) continue
    if (i === n - 1) throw new WeftDecodeError('invalid', 'last span cannot take its right origin from a next one')
    orRef[i] = rm === OR_NEXT ? refs[i + 1]! : orRef[i + 1]!
    orCounter[i] = rm === OR_NEXT ? counter[i + 1]! : orCounter[i + 1]!
  }
  if (content.length !== visible) throw new WeftDecodeError('invalid', `state content holds ${content.length} items, its spans ${visible}`)
  return { n, replicas: table.ids, rep: refs, counter, len, deleted, olRep: olRef, olCounter, orRep: orRef, orCounter, content, visible, total }
}

/**
 * Reads `count` varints in one loop. A state holds tens of thousands of
 * them and is decoded once, in cold code, where a call per number costs
 * more than the number: one tight loop is optimized early. Short varints
 * decode inline; anything longer goes through the reader's checked path.
 */
function readVarUints(r: Reader, count: number): Float64Array {
  if (count > r.remaining) throw new WeftDecodeError('out-of-range', `${count} numbers exceed the ${r.remaining} bytes left`)
  const out = new Float64Array(count)
  const buf = r.buf
  const len = buf.length
  let pos = r.pos
  for (let i = 0; i < count; i++) {
    // Up to three bytes (values below 2^21) inline; the bounds check covers all three.
    if (pos + 2 < len) {
      const b0 = buf[pos]!
      if (b0 < 0x80) {
        out[i] = b0
        pos += 1
        continue
      }
      const b1 = buf[pos + 1]!
      if (b1 < 0x80) {
        out[i] = (b0 & 0x7f) | (b1 << 7)
        pos += 2
        continue
      }
      const b2 = buf[pos + 2]!
      if (b2 < 0x80) {
        out[i] = (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14)
        pos += 3
        continue
      }
    }
    r.pos = pos
    out[i] = r.readVarUint()
    pos = r.pos
  }
  r.pos = pos
  return out
}

/** The replica ids a state's refs name, each checked against the delta's table once. */
class ReplicaTable {
  /** Id by ref; 0 for "none" and for refs not seen yet. */
  readonly ids: number[] = [0]
  constructor(private readonly replicaAt: ReplicaAt) {}

  /** Checks that `ref` names a replica (not "none") and returns it. */
  check(ref: number): number {
    if (ref === 0 || this.ids[ref] === undefined || this.ids[ref] === 0) {
      const id = this.replicaAt(ref, false)
      while (this.ids.length <= ref) this.ids.push(0)
      this.ids[ref] = id
    }
    return ref
  }
}

/**
 * The id ranges of a state's spans grouped by replica ref and sorted, for
 * "is this id an item of the state" checks. Ranges must not overlap, so
 * sorting starts and ends separately pairs them up again (native typed-array
 * sorts; a counting pass groups by ref without a Map).
 */
class StateIds {
  /**
   * 32-bit while every id fits (nearly always), doubles past that: sorting
   * 32-bit integers is about twice as fast, and the sorts were a fifth of
   * loading a state.
   */
  private readonly starts: Int32Array | Float64Array
  private readonly ends: Int32Array | Float64Array
  /** Group of ref k is [offsets[k], offsets[k + 1]). */
  private readonly offsets: Int32Array

  /**
   * `spanEnds`: each span's counter + length; `maxEnd` the largest of them.
   * `onlyRef`: the ref of every span when one replica wrote them all (the usual case), else 0.
   */
  constructor(
    refs: Int32Array,
    counter: Float64Array,
    spanEnds: Float64Array,
    private readonly maxEnd: number,
    private readonly onlyRef: number,
  ) {
    const n = refs.length
    let maxRef = onlyRef
    if (onlyRef === 0) for (let i = 0; i < n; i++) if (refs[i]! > maxRef) maxRef = refs[i]!
    const offsets = new Int32Array(maxRef + 2)
    const narrow = maxEnd <= MAX_NARROW
    let starts: Int32Array | Float64Array
    let ends: Int32Array | Float64Array
    if (onlyRef !== 0) {
      // One group: no counting pass, and the columns are copies (native conversions).
      offsets[onlyRef + 1] = n
      starts = narrow ? new Int32Array(counter) : counter.slice()
      ends = narrow ? new Int32Array(spanEnds) : spanEnds
    } else {
      starts = narrow ? new Int32Array(n) : new Float64Array(n)
      ends = narrow ? new Int32Array(n) : new Float64Array(n)
      for (let i = 0; i < n; i++) offsets[refs[i]! + 1]!++
      for (let k = 1; k < offsets.length; k++) offsets[k]! += offsets[k - 1]!
      const fill = offsets.slice(0, maxRef + 1)
      for (let i = 0; i < n; i++) {
        const at = fill[refs[i]!]!++
        starts[at] = counter[i]!
        ends[at] = spanEnds[i]!
      }
    }
    for (let k = 0; k <= maxRef; k++) {
      const from = offsets[k]!
      const to = offsets[k + 1]!
      if (to - from < 2) continue
      starts.subarray(from, to).sort()
      ends.subarray(from, to).sort()
      for (let i = from + 1; i < to; i++) if (starts[i]! < ends[i - 1]!) throw new WeftDecodeError('invalid', 'two spans of the state claim the same ids')
    }
    this.starts = starts
    this.ends = ends
    this.offsets = offsets
  }

  /** Calls `fn` with each replica ref's lowest and highest item counter. */
  forEachReplica(fn: (ref: number, first: number, last: number) => void): void {
    for (let k = 0; k + 1 < this.offsets.length; k++) {
      const from = this.offsets[k]!
      const to = this.offsets[k + 1]!
      if (to > from) fn(k, this.starts[from]!, this.ends[to - 1]! - 1)
    }
  }

  /**
   * Checks that every origin in `pairs` (ref, counter, ref, counter, ...)
   * names an item of the state. The origins are grouped by ref and sorted,
   * then walked once beside the sorted id ranges: a state has thousands of
   * explicit origins, and a binary search each, in cold code, cost more
   * than the sorts.
   */
  checkOrigins(pairs: Float64Array, table: ReplicaTable): void {
    const count = pairs.length >> 1
    if (count === 0) return
    const groups = this.offsets.length - 1
    // Origins per ref: counted first, unless one replica wrote every span.
    const at = new Int32Array(groups + 1)
    const counters = this.starts instanceof Int32Array ? new Int32Array(count) : new Float64Array(count)
    const single = this.onlyRef !== 0
    for (let q = 0; q < count; q++) {
      const ref = pairs[2 * q]!
      const c = pairs[2 * q + 1]!
      if (c === 0) throw new WeftDecodeError('invalid', 'origin with counter 0')
      // Past every span's end (this also keeps it from wrapping in a 32-bit column).
      if (c >= this.maxEnd) notInState(table.ids[table.check(ref)]!, c)
      // A replica with no span in the state holds no origin. Refs with spans
      // were checked against the table with the replica column; a ref
      // without one still gets the table's own error if it names no replica.
      if (ref >= groups || this.offsets[ref] === this.offsets[ref + 1]) notInState(table.ids[table.check(ref)]!, c)
      if (single) counters[q] = c
      else at[ref + 1]!++
    }
    if (single) {
      at[this.onlyRef + 1] = count
    } else {
      for (let k = 1; k <= groups; k++) at[k]! += at[k - 1]!
      const fill = at.slice()
      for (let q = 0; q < count; q++) counters[fill[pairs[2 * q]!]!++] = pairs[2 * q + 1]!
    }
    for (let ref = 0; ref < groups; ref++) {
      const from = at[ref]!
      const to = at[ref + 1]!
      if (from === to) continue
      const wanted = counters.subarray(from, to).sort()
      // Ranges of one ref do not overlap, so their ends ascend with their starts.
      let j = this.offsets[ref]!
      const last = this.offsets[ref + 1]!
      for (let q = 0; q < wanted.length; q++) {
        const c = wanted[q]!
        while (j < last && this.ends[j]! <= c) j++
        if (j === last || this.starts[j]! > c) notInState(table.ids[ref]!, c)
      }
    }
  }
}

function notInState(replica: number, counter: number): never {
  throw new WeftDecodeError('invalid', `origin ${replica}:${counter} is not in the state`)
}

/**
 * The flag column's runs. Flags change from span to span in most states, so
 * nearly every run is one span long: one tight loop with one-byte values
 * inline (a flag always fits one byte) keeps the reader's calls off that path.
 */
function readFlagRuns(r: Reader, n: number): Uint8Array {
  const flags = new Uint8Array(n)
  const buf = r.buf
  let pos = r.pos
  let i = 0
  while (i < n) {
    let v: number
    let run: number
    if (pos + 1 < buf.length && buf[pos]! < 0x80 && buf[pos + 1]! < 0x80) {
      v = buf[pos]!
      run = buf[pos + 1]!
      pos += 2
    } else {
      r.pos = pos
      v = r.readVarUint()
      run = r.readVarUint()
      pos = r.pos
      if (v > 0xff) throw new WeftDecodeError('invalid', `run-length value ${v} out of range`)
    }
    if (run < 1 || i + run > n) throw new WeftDecodeError('out-of-range', 'run-length column overruns its span count')
    if (run === 1) flags[i] = v
    else flags.fill(v, i, i + run)
    i += run
  }
  r.pos = pos
  return flags
}

/** Run-length pairs (value, count) of `values`; returns the position after them. */
function putRle(out: Uint8Array, p: number, values: Int32Array | Uint8Array): number {
  const n = values.length
  let i = 0
  while (i < n) {
    const v = values[i]!
    let run = 1
    while (i + run < n && values[i + run] === v) run++
    p = putVarUint(out, p, v)
    p = putVarUint(out, p, run)
    i += run
  }
  return p
}

/**
 * The replica column's runs; few in most states (a run per stretch one
 * replica typed). Returns the ref when one replica wrote every span, else 0.
 */
function readRefRuns(r: Reader, n: number, out: Int32Array, table: ReplicaTable): number {
  let i = 0
  let only = -1
  while (i < n) {
    const v = r.readVarUint()
    table.check(v)
    const run = r.readVarUint()
    if (run < 1 || i + run > n) throw new WeftDecodeError('out-of-range', 'run-length column overruns its span count')
    out.fill(v, i, i + run)
    only = only === -1 || only === v ? v : 0
    i += run
  }
  return Math.max(only, 0)
}
