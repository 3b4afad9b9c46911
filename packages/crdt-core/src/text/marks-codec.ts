import type { Reader, Writer } from '../encoding/index.js'
import { WeftDecodeError } from '../errors.js'
import { readJson, writeJson } from '../values.js'
import { AnchorSide, type Anchor, type MarkOp } from './marks.js'

/**
 * The marks section of a text container in delta format v2 (see codec.ts):
 *
 *   count, each: replica ref, counter, lamport, key, flags, [value], [start id], [end id]
 *   flags: bit 0 has a value (clear: unformat), bit 1 start sits after its
 *   character, bit 2 end sits after its character, bit 3 start is the
 *   text's start (no id), bit 4 end is the text's end (no id)
 */
const HAS_VALUE = 1
const START_AFTER = 2
const END_AFTER = 4
const START_OPEN = 8
const END_OPEN = 16
const KNOWN_FLAGS = HAS_VALUE | START_AFTER | END_AFTER | START_OPEN | END_OPEN

/** Every replica a mark section names, for the delta's replica table. */
export function markReplicas(ops: readonly MarkOp[], add: (replica: number) => void): void {
  for (const op of ops) {
    add(op.replica)
    add(op.start.replica)
    add(op.end.replica)
  }
}

export function writeMarks(w: Writer, ops: readonly MarkOp[], ref: (replica: number) => number): void {
  w.writeVarUint(ops.length)
  for (const op of ops) {
    w.writeVarUint(ref(op.replica))
    w.writeVarUint(op.counter)
    w.writeVarUint(op.lamport)
    w.writeString(op.key)
    let flags = op.value !== null ? HAS_VALUE : 0
    if (op.start.side === AnchorSide.After) flags |= START_AFTER
    if (op.end.side === AnchorSide.After) flags |= END_AFTER
    if (op.start.replica === 0) flags |= START_OPEN
    if (op.end.replica === 0) flags |= END_OPEN
    w.writeUint8(flags)
    if (op.value !== null) writeJson(w, op.value)
    if (op.start.replica !== 0) {
      w.writeVarUint(ref(op.start.replica))
      w.writeVarUint(op.start.counter)
    }
    if (op.end.replica !== 0) {
      w.writeVarUint(ref(op.end.replica))
      w.writeVarUint(op.end.counter)
    }
  }
}

/**
 * Reads a marks section. `replicaAt` resolves table refs; `checkDot` throws
 * when an op's own dot is not one the delta declares.
 */
export function readMarks(r: Reader, replicaAt: (ref: number) => number, checkDot: (replica: number, counter: number) => void): MarkOp[] {
  // The smallest op: replica, counter, lamport, empty key, flags.
  const n = r.readCount(5)
  const ops: MarkOp[] = new Array<MarkOp>(n)
  for (let i = 0; i < n; i++) {
    const replica = replicaAt(r.readVarUint())
    const counter = r.readVarUint()
    checkDot(replica, counter)
    const lamport = r.readVarUint()
    if (lamport === 0) throw new WeftDecodeError('invalid', 'mark op with lamport 0')
    const key = r.readString()
    const flags = r.readUint8()
    if (flags & ~KNOWN_FLAGS) throw new WeftDecodeError('invalid', `unknown mark flags ${flags}`)
    const value = flags & HAS_VALUE ? readJson(r) : null
    const start = readAnchor(r, replicaAt, (flags & START_OPEN) !== 0, flags & START_AFTER ? AnchorSide.After : AnchorSide.Before)
    const end = readAnchor(r, replicaAt, (flags & END_OPEN) !== 0, flags & END_AFTER ? AnchorSide.After : AnchorSide.Before)
    ops[i] = { replica, counter, lamport, key, value, start, end }
  }
  return ops
}

function readAnchor(r: Reader, replicaAt: (ref: number) => number, open: boolean, side: AnchorSide): Anchor {
  if (open) return { replica: 0, counter: 0, side }
  const replica = replicaAt(r.readVarUint())
  const counter = r.readVarUint()
  if (counter === 0) throw new WeftDecodeError('invalid', 'mark anchor with counter 0')
  return { replica, counter, side }
}
