import type { InsertOp } from './sequence.js'
import type { Content } from './span.js'

/** Longest span a sequence stores (its lengths are 32-bit). */
export const MAX_SPAN_LEN = 0x7fff_ffff

/**
 * A state's sequence as decoded columns, spans in document order. Replicas
 * are refs into `replicas` (ref 0 is "none"), as in the encoded state. A
 * text state loads from these without an object per span (see
 * `Sequence.loadColumns`); `columnsToOps` gives ops where needed.
 */
export interface SequenceColumns {
  readonly n: number
  /** Replica id by ref; entry 0 is 0. */
  readonly replicas: readonly number[]
  readonly rep: Int32Array
  readonly counter: Float64Array
  readonly len: Float64Array
  /** 1 for a tombstone. */
  readonly deleted: Uint8Array
  readonly olRep: Int32Array
  readonly olCounter: Float64Array
  readonly orRep: Int32Array
  readonly orCounter: Float64Array
  /** The visible content of all spans, in order. */
  readonly content: Content
  readonly visible: number
  readonly total: number
}

/** The spans of `cols` as insert ops (content sliced along the visible spans). */
export function columnsToOps(cols: SequenceColumns): InsertOp[] {
  const ops: InsertOp[] = new Array(cols.n)
  let at = 0
  for (let i = 0; i < cols.n; i++) {
    const len = cols.len[i]!
    const deleted = cols.deleted[i] === 1
    ops[i] = {
      replica: cols.replicas[cols.rep[i]!]!,
      counter: cols.counter[i]!,
      len,
      olReplica: cols.replicas[cols.olRep[i]!]!,
      olCounter: cols.olCounter[i]!,
      orReplica: cols.replicas[cols.orRep[i]!]!,
      orCounter: cols.orCounter[i]!,
      deleted,
      content: deleted ? null : cols.content.slice(at, at + len),
    }
    if (!deleted) at += len
  }
  return ops
}

/** Ops in document order (a state's spans) as columns: the inverse of `columnsToOps`. */
export function opsToColumns(ops: readonly InsertOp[], isText: boolean): SequenceColumns {
  const n = ops.length
  const replicas = [0]
  const refs = new Map<number, number>([[0, 0]])
  const refOf = (id: number): number => {
    let ref = refs.get(id)
    if (ref === undefined) {
      refs.set(id, (ref = replicas.length))
      replicas.push(id)
    }
    return ref
  }
  const cols = {
    n,
    replicas,
    rep: new Int32Array(n),
    counter: new Float64Array(n),
    len: new Float64Array(n),
    deleted: new Uint8Array(n),
    olRep: new Int32Array(n),
    olCounter: new Float64Array(n),
    orRep: new Int32Array(n),
    orCounter: new Float64Array(n),
  }
  const parts: Content[] = []
  let visible = 0
  let total = 0
  ops.forEach((op, i) => {
    cols.rep[i] = refOf(op.replica)
    cols.counter[i] = op.counter
    cols.len[i] = op.len
    cols.deleted[i] = op.deleted ? 1 : 0
    cols.olRep[i] = refOf(op.olReplica)
    cols.olCounter[i] = op.olCounter
    cols.orRep[i] = refOf(op.orReplica)
    cols.orCounter[i] = op.orCounter
    total += op.len
    if (op.deleted) return
    visible += op.len
    parts.push(op.content!)
  })
  const content: Content = isText ? (parts as string[]).join('') : ([] as unknown[]).concat(...(parts as unknown[][]))
  return { ...cols, content, visible, total }
}
