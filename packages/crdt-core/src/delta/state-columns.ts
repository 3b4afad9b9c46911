import { WeftDecodeError } from '../errors.js'
import type { Reader, Writer } from '../encoding/index.js'
import type { InsertOp } from '../sequence/sequence.js'

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

function leftMode(ops: InsertOp[], i: number): number {
  const op = ops[i]!
  if (op.olReplica === 0) return OL_NONE
  const prev = ops[i - 1]
  if (prev !== undefined && op.olReplica === prev.replica && op.olCounter === prev.counter + prev.len - 1) return OL_PREV
  return OL_EXPLICIT
}

function rightMode(ops: InsertOp[], i: number): number {
  const op = ops[i]!
  const next = ops[i + 1]
  if (next !== undefined) {
    if (op.orReplica === next.replica && op.orCounter === next.counter) return OR_NEXT
    if (op.orReplica === next.orReplica && op.orCounter === next.orCounter) return OR_AS_NEXT
  }
  return op.orReplica === 0 ? OR_NONE : OR_EXPLICIT
}

export function writeSequenceColumns(w: Writer, ops: InsertOp[], isText: boolean, refOf: RefOf, writeItem: ItemWriter): void {
  const n = ops.length
  w.writeVarUint(n)
  if (isText) {
    let text = ''
    for (const op of ops) if (!op.deleted) text += op.content as string
    w.writeString(text)
  } else {
    let count = 0
    for (const op of ops) if (!op.deleted) count += op.len
    w.writeVarUint(count)
    for (const op of ops) if (!op.deleted) for (const item of op.content as unknown[]) writeItem(w, item)
  }
  writeRle(w, n, (i) => refOf(ops[i]!.replica))
  let end = 0
  for (const op of ops) {
    w.writeVarInt(op.counter - end)
    w.writeVarUint(op.len)
    end = op.counter + op.len
  }
  writeRle(w, n, (i) => (ops[i]!.deleted ? DELETED : 0) | (leftMode(ops, i) << 1) | (rightMode(ops, i) << 3))
  for (let i = 0; i < n; i++) {
    if (leftMode(ops, i) !== OL_EXPLICIT) continue
    w.writeVarUint(refOf(ops[i]!.olReplica))
    w.writeVarUint(ops[i]!.olCounter)
  }
  for (let i = 0; i < n; i++) {
    if (rightMode(ops, i) !== OR_EXPLICIT) continue
    w.writeVarUint(refOf(ops[i]!.orReplica))
    w.writeVarUint(ops[i]!.orCounter)
  }
}

export function readSequenceColumns(r: Reader, isText: boolean, replicaAt: ReplicaAt, readItem: ItemReader): InsertOp[] {
  const n = r.readCount(3)
  let text = ''
  let items: unknown[] = []
  if (isText) {
    text = r.readString()
  } else {
    const count = r.readCount(1)
    items = new Array(count)
    for (let k = 0; k < count; k++) items[k] = readItem(r)
  }
  const replicas = readRle(r, n)
  for (let i = 0; i < n; i++) replicas[i] = replicaAt(replicas[i]!, false)
  const ops: InsertOp[] = new Array(n)
  let end = 0
  let visible = 0
  for (let i = 0; i < n; i++) {
    const counter = end + r.readVarInt()
    const len = r.readVarUint()
    if (len < 1 || counter < 1 || counter + len > Number.MAX_SAFE_INTEGER) throw new WeftDecodeError('out-of-range', 'bad span id or length')
    ops[i] = { replica: replicas[i]!, counter, len, olReplica: 0, olCounter: 0, orReplica: 0, orCounter: 0, deleted: false, content: null }
    end = counter + len
  }
  const flags = readRle(r, n)
  for (let i = 0; i < n; i++) {
    const f = flags[i]!
    const lm = (f >> 1) & 3
    if (f > 63 || lm > OL_EXPLICIT || f >> 3 > OR_EXPLICIT) throw new WeftDecodeError('invalid', `unknown span flags ${f}`)
    const op = ops[i]!
    op.deleted = (f & DELETED) !== 0
    if (!op.deleted) visible += op.len
    if (lm === OL_PREV) {
      const prev = ops[i - 1]
      if (prev === undefined) throw new WeftDecodeError('invalid', 'first span cannot take its left origin from a previous one')
      op.olReplica = prev.replica
      op.olCounter = prev.counter + prev.len - 1
    }
  }
  for (let i = 0; i < n; i++) {
    if (((flags[i]! >> 1) & 3) !== OL_EXPLICIT) continue
    ops[i]!.olReplica = replicaAt(r.readVarUint(), false)
    ops[i]!.olCounter = readOriginCounter(r)
  }
  for (let i = 0; i < n; i++) {
    if (flags[i]! >> 3 !== OR_EXPLICIT) continue
    ops[i]!.orReplica = replicaAt(r.readVarUint(), false)
    ops[i]!.orCounter = readOriginCounter(r)
  }
  // Right origins that refer to the next span resolve from the end backwards.
  for (let i = n - 1; i >= 0; i--) {
    const rm = flags[i]! >> 3
    if (rm !== OR_NEXT && rm !== OR_AS_NEXT) continue
    const next = ops[i + 1]
    if (next === undefined) throw new WeftDecodeError('invalid', 'last span cannot take its right origin from a next one')
    ops[i]!.orReplica = rm === OR_NEXT ? next.replica : next.orReplica
    ops[i]!.orCounter = rm === OR_NEXT ? next.counter : next.orCounter
  }

  // Content: slice the one string (or item list) along the visible spans.
  const have = isText ? text.length : items.length
  if (have !== visible) throw new WeftDecodeError('invalid', `state content holds ${have} items, its spans ${visible}`)
  let at = 0
  for (const op of ops) {
    if (op.deleted) continue
    op.content = isText ? text.slice(at, at + op.len) : items.slice(at, at + op.len)
    at += op.len
  }
  return ops
}

function readOriginCounter(r: Reader): number {
  const c = r.readVarUint()
  if (c === 0) throw new WeftDecodeError('invalid', 'origin with counter 0')
  return c
}

function writeRle(w: Writer, n: number, valueAt: (i: number) => number): void {
  let i = 0
  while (i < n) {
    const v = valueAt(i)
    let run = 1
    while (i + run < n && valueAt(i + run) === v) run++
    w.writeVarUint(v)
    w.writeVarUint(run)
    i += run
  }
}

function readRle(r: Reader, n: number): number[] {
  const out: number[] = new Array(n)
  let i = 0
  while (i < n) {
    const v = r.readVarUint()
    const run = r.readVarUint()
    if (run < 1 || i + run > n) throw new WeftDecodeError('out-of-range', 'run-length column overruns its span count')
    out.fill(v, i, i + run)
    i += run
  }
  return out
}
