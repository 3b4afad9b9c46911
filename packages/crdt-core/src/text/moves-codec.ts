import type { Reader, Writer } from '../encoding/index.js'
import { WeftDecodeError } from '../errors.js'
import { MAX_MOVE_LEN } from '../limits.js'
import type { IdRange } from '../sequence/sequence.js'
import type { MoveOp } from './moves.js'

/**
 * The moves section of a text container in delta format v3 (see codec.ts),
 * after its marks section:
 *
 *   count, each: replica ref, counter, lamport, target counter, len,
 *                source count, each source: replica ref, counter, len
 *
 * The copy's replica is the op's own: a move inserts its copy itself.
 */

/** Every replica a moves section names, for the delta's replica table. */
export function moveReplicas(ops: readonly MoveOp[], add: (replica: number) => void): void {
  for (const op of ops) {
    add(op.replica)
    for (const s of op.sources) add(s.replica)
  }
}

export function writeMoves(w: Writer, ops: readonly MoveOp[], ref: (replica: number) => number): void {
  w.writeVarUint(ops.length)
  for (const op of ops) {
    w.writeVarUint(ref(op.replica))
    w.writeVarUint(op.counter)
    w.writeVarUint(op.lamport)
    w.writeVarUint(op.target)
    w.writeVarUint(op.len)
    w.writeVarUint(op.sources.length)
    for (const s of op.sources) {
      w.writeVarUint(ref(s.replica))
      w.writeVarUint(s.counter)
      w.writeVarUint(s.len)
    }
  }
}

/**
 * Reads a moves section. `replicaAt` resolves table refs; `checkDots` throws
 * when ids the op claims as its own (its dot, its copy) are not ones the
 * delta declares.
 */
export function readMoves(r: Reader, replicaAt: (ref: number) => number, checkDots: (replica: number, counter: number, len: number) => void): MoveOp[] {
  // The smallest op: replica, counter, lamport, target, len, one source of three.
  const n = r.readCount(9)
  const ops: MoveOp[] = new Array<MoveOp>(n)
  for (let i = 0; i < n; i++) {
    const replica = replicaAt(r.readVarUint())
    const counter = r.readVarUint()
    checkDots(replica, counter, 1)
    const lamport = r.readVarUint()
    if (lamport === 0) throw new WeftDecodeError('invalid', 'move op with lamport 0')
    const target = r.readVarUint()
    const len = r.readVarUint()
    if (len === 0) throw new WeftDecodeError('invalid', 'move op of nothing')
    if (len > MAX_MOVE_LEN) throw new WeftDecodeError('out-of-range', `move op of ${len} characters (at most ${MAX_MOVE_LEN})`)
    checkDots(replica, target, len)
    const nSources = r.readCount(3)
    const sources: IdRange[] = new Array<IdRange>(nSources)
    let total = 0
    for (let k = 0; k < nSources; k++) {
      const source = { replica: replicaAt(r.readVarUint()), counter: r.readVarUint(), len: r.readVarUint() }
      if (source.counter === 0 || source.len === 0) throw new WeftDecodeError('invalid', 'move source with counter 0 or no length')
      total += source.len
      sources[k] = source
    }
    if (total !== len) throw new WeftDecodeError('invalid', `move op copies ${total} characters into a copy of ${len}`)
    ops[i] = { replica, counter, lamport, target, len, sources }
  }
  return ops
}
