import { CONTAINER_KIND, isContainerRef } from '../containers/container-ref.js'
import { containerKey } from '../containers/kind.js'
import type { WeftText } from '../containers/text.js'
import type { ContainerDelta, DeltaData } from '../delta/types.js'
import { WeftDecodeError } from '../errors.js'
import { InsertCheck, type InsertOp, type Sequence } from '../sequence/sequence.js'
import type { DocState } from './state.js'
import { lastAtMost } from '../sorted-search.js'

/**
 * Integration order of each sequence container's inserts, found while
 * validating and handed to `integrateDelta` (containers missing from it keep
 * their decoded order). Undefined when no container needed reordering.
 */
export type InsertOrders = Map<ContainerDelta, InsertOp[]> | undefined

/** The order `validateDelta` found for a container's inserts (each after its in-delta origins). */
export function integrationOrder(cd: ContainerDelta, orders: InsertOrders): InsertOp[] {
  // One insert has no order to find (and a remote keystroke skips the lookup).
  return cd.inserts.length <= 1 ? cd.inserts : (orders?.get(cd) ?? cd.inserts)
}

function invalid(message: string): never {
  throw new WeftDecodeError('invalid', message)
}

/**
 * Checks a decoded delta against the document before anything is applied:
 * container kinds agree, every origin and delete target exists (here or in
 * the delta), no insert duplicates known items, and the inserts can be
 * ordered so each one's origins come first. Throws `WeftDecodeError`.
 */
export function validateDelta(state: DocState, data: DeltaData): InsertOrders {
  let orders: InsertOrders
  // Indexed loops: this runs per remote keystroke, and the profile showed
  // array iterators here that were not optimized away.
  const containers = data.containers
  for (let i = 0; i < containers.length; i++) {
    const cd = containers[i]!
    const existing = state.find(cd.id)
    if (existing !== undefined && existing.id.kind !== cd.id.kind) {
      invalid(`container ${containerKey(cd.id)} is a ${existing.id.kind} here, the delta says ${cd.id.kind}`)
    }
    for (let k = 0; k < cd.entries.length; k++) {
      const e = cd.entries[k]!
      if (e.value.type === 'container') checkNestedKind(state, e.replica, e.counter, e.value.kind)
    }
    if (cd.id.kind === 'text' || cd.id.kind === 'list') {
      const seq = existing !== undefined && 'seq' in existing ? existing.seq : undefined
      const order = validateSequence(state, seq, cd, data.isState)
      if (order !== undefined) (orders ??= new Map()).set(cd, order)
      if (cd.marks !== undefined) validateMarkAnchors(seq, cd)
      if (cd.moves !== undefined) validateMoves(seq, existing as WeftText | undefined, cd)
    }
  }
  return orders
}

function checkNestedKind(state: DocState, replica: number, counter: number, kind: string): void {
  const c = state.containers.get(`${replica}.${counter}`)
  if (c !== undefined && c.id.kind !== kind) invalid(`nested container ${replica}.${counter} is a ${c.id.kind}, the delta says ${kind}`)
}

/**
 * The id ranges of a delta's inserts, per replica, for "is this id in the
 * delta" lookups. Ranges must not overlap, so sorting starts and ends
 * separately pairs them up again; native typed-array sorts keep this cheap
 * for whole states.
 */
class DeltaIds {
  private readonly byReplica = new Map<number, { starts: Float64Array; ends: Float64Array; ops: InsertOp[]; sorted: boolean }>()
  constructor(inserts: InsertOp[]) {
    const grouped = new Map<number, InsertOp[]>()
    for (const op of inserts) {
      let list = grouped.get(op.replica)
      if (!list) grouped.set(op.replica, (list = []))
      list.push(op)
    }
    for (const [replica, ops] of grouped) {
      const starts = new Float64Array(ops.length)
      const ends = new Float64Array(ops.length)
      ops.forEach((op, i) => {
        starts[i] = op.counter
        ends[i] = op.counter + op.len
      })
      starts.sort()
      ends.sort()
      for (let i = 1; i < starts.length; i++) if (starts[i]! < ends[i - 1]!) invalid('two inserts in one delta claim the same ids')
      this.byReplica.set(replica, { starts, ends, ops, sorted: false })
    }
  }

  has(replica: number, counter: number): boolean {
    const e = this.byReplica.get(replica)
    if (!e) return false
    const i = lastAtMost(e.starts, counter)
    return i >= 0 && counter < e.ends[i]!
  }

  /** The insert holding (replica, counter), or undefined. */
  find(replica: number, counter: number): InsertOp | undefined {
    const e = this.byReplica.get(replica)
    if (!e || !this.has(replica, counter)) return undefined
    if (!e.sorted) {
      e.ops.sort((a, b) => a.counter - b.counter)
      e.sorted = true
    }
    // Same rank as the range found by `has`: ranges do not overlap.
    return e.ops[lastAtMost(e.starts, counter)]
  }
}

/** Checks a sequence container's part of a delta; returns its inserts' integration order when it needs one. */
function validateSequence(state: DocState, seq: Sequence | undefined, cd: ContainerDelta, isState: boolean): InsertOp[] | undefined {
  if (isState && (seq === undefined || seq.totalLength === 0)) {
    validateLoadedState(state, cd)
    return undefined
  }
  const inserts = cd.inserts
  if (seq !== undefined && cd.deletes.length === 0 && inserts.length === 1 && validateSingleInsert(state, seq, inserts[0]!)) {
    return undefined
  }
  if (inserts.length === 0) {
    // Deletes only (a remote backspace): nothing to order.
    validateDeletes(seq, cd, undefined)
    return undefined
  }
  const ids = inserts.length > 0 ? new DeltaIds(inserts) : undefined
  const known = (r: number, c: number): boolean => seq?.has(r, c) === true

  // Which in-delta insert (if any) each insert must follow.
  const position = new Map<InsertOp, number>()
  inserts.forEach((op, i) => position.set(op, i))
  const dependents: number[][] = inserts.map(() => [])
  const indegree = new Array<number>(inserts.length).fill(0)

  inserts.forEach((op, i) => {
    if (seq !== undefined) {
      // A replica's items arrive in order, so what is known of an insert is
      // a prefix; anything known past that prefix would be integrated twice.
      const known = seq.knownPrefix(op.replica, op.counter, op.len)
      if (known < op.len && seq.maxCounter(op.replica) >= op.counter + known) {
        invalid(`insert ${op.replica}:${op.counter} overlaps known items out of order`)
      }
    }
    for (const [r, c] of [
      [op.olReplica, op.olCounter],
      [op.orReplica, op.orCounter],
    ] as const) {
      if (r === 0 || known(r, c)) continue
      const dep = ids?.find(r, c)
      if (dep === undefined) invalid(`insert ${op.replica}:${op.counter} has origin ${r}:${c}, which is neither known nor in the delta`)
      if (dep === op) invalid(`insert ${op.replica}:${op.counter} has an origin inside itself`)
      dependents[position.get(dep)!]!.push(i)
      indegree[i]!++
    }
    if (op.content !== null && typeof op.content !== 'string') {
      op.content.forEach((item, k) => {
        if (isContainerRef(item)) checkNestedKind(state, op.replica, op.counter + k, item[CONTAINER_KIND])
      })
    }
  })

  // Kahn's algorithm: an order where each insert follows its in-delta origins.
  const order: InsertOp[] = []
  const ready: number[] = []
  for (let i = inserts.length - 1; i >= 0; i--) if (indegree[i] === 0) ready.push(i)
  while (ready.length > 0) {
    const i = ready.pop()!
    order.push(inserts[i]!)
    for (const j of dependents[i]!) if (--indegree[j]! === 0) ready.push(j)
  }
  if (order.length !== inserts.length) invalid('inserts whose origins form a cycle')
  validateDeletes(seq, cd, ids)
  return order
}

/** Every mark anchor names a character known here or inserted by the delta itself (marks are text-only). */
function validateMarkAnchors(seq: Sequence | undefined, cd: ContainerDelta): void {
  if (cd.id.kind !== 'text') invalid(`marks on a ${cd.id.kind}: only text carries marks`)
  let ids: DeltaIds | undefined
  for (const op of cd.marks!) {
    for (const a of [op.start, op.end]) {
      if (a.replica === 0 || seq?.has(a.replica, a.counter) === true) continue
      ids ??= new DeltaIds(cd.inserts)
      if (!ids.has(a.replica, a.counter))
        invalid(`mark ${op.replica}:${op.counter} is anchored at ${a.replica}:${a.counter}, which is neither known nor in the delta`)
    }
  }
}

/**
 * A new move's copy is ids this delta inserts, known nowhere yet and no
 * other move's copy; its sources are known or inserted by the delta, and
 * none is the copy of this move or of a later one in the delta. So every
 * copy leads back, move by move, to characters that were there before it:
 * following sources to a root always ends.
 */
function validateMoves(seq: Sequence | undefined, text: WeftText | undefined, cd: ContainerDelta): void {
  if (cd.id.kind !== 'text') invalid(`moves on a ${cd.id.kind}: only text moves ranges`)
  const ids = new DeltaIds(cd.inserts)
  const fresh = cd.moves!.filter((op) => text?.moves.has(op.replica, op.counter) !== true)
  for (let i = 0; i < fresh.length; i++) {
    const op = fresh[i]!
    for (let k = 0; k < op.len; k++) {
      const c = op.target + k
      if (!ids.has(op.replica, c) || seq?.has(op.replica, c) === true)
        invalid(`move ${op.replica}:${op.counter} claims ${op.replica}:${c} as its copy, which the delta does not insert`)
    }
    for (const src of op.sources) {
      for (let k = 0; k < src.len; k++) {
        const c = src.counter + k
        if (seq?.has(src.replica, c) !== true && !ids.has(src.replica, c))
          invalid(`move ${op.replica}:${op.counter} copies ${src.replica}:${c}, which is neither known nor in the delta`)
        for (let j = i; j < fresh.length; j++) {
          const later = fresh[j]!
          if (src.replica === later.replica && c >= later.target && c < later.target + later.len)
            invalid(`move ${op.replica}:${op.counter} copies its own copy or a later move's`)
        }
      }
    }
    for (let j = 0; j < i; j++) {
      const other = fresh[j]!
      if (other.replica === op.replica && other.target < op.target + op.len && op.target < other.target + other.len) invalid('two moves claim the same copy')
    }
  }
}

/** Every deleted item is known here or inserted by the delta itself. */
function validateDeletes(seq: Sequence | undefined, cd: ContainerDelta, ids: DeltaIds | undefined): void {
  for (let i = 0; i < cd.deletes.length; i++) {
    const ranges = cd.deletes[i]!.ranges
    for (let k = 0; k < ranges.length; k++) {
      const range = ranges[k]!
      let c = range.counter
      const end = range.counter + range.len
      while (c < end) {
        const known = seq?.pieceEnd(range.replica, c) ?? 0
        if (known > 0) {
          c = known
          continue
        }
        const op = ids?.find(range.replica, c)
        if (op === undefined) invalid(`delete of ${range.replica}:${c}, which is neither known nor in the delta`)
        c = op.counter + op.len
      }
    }
  }
}

/**
 * A state loaded into an empty sequence is appended in its own (document)
 * order, so no integration order is needed: only that ids do not overlap,
 * that every origin names an item of the state, and nested kinds agree.
 */
function validateLoadedState(state: DocState, cd: ContainerDelta): void {
  if (cd.columns !== undefined) {
    // Decoding the columns checked ids and origins; a list's nested kinds remain.
    if (cd.id.kind === 'list') for (const op of cd.inserts) checkNestedItems(state, op)
    return
  }
  const ids = new DeltaIds(cd.inserts)
  for (const op of cd.inserts) {
    if (op.olReplica !== 0 && !ids.has(op.olReplica, op.olCounter)) invalid(`origin ${op.olReplica}:${op.olCounter} is not in the state`)
    if (op.orReplica !== 0 && !ids.has(op.orReplica, op.orCounter)) invalid(`origin ${op.orReplica}:${op.orCounter} is not in the state`)
    if (op.content !== null && typeof op.content !== 'string') {
      for (let k = 0; k < op.content.length; k++) {
        const item = op.content[k]
        if (isContainerRef(item)) checkNestedKind(state, op.replica, op.counter + k, item[CONTAINER_KIND])
      }
    }
  }
}

function checkNestedItems(state: DocState, op: InsertOp): void {
  if (op.content === null || typeof op.content === 'string') return
  for (let k = 0; k < op.content.length; k++) {
    const item = op.content[k]
    if (isContainerRef(item)) checkNestedKind(state, op.replica, op.counter + k, item[CONTAINER_KIND])
  }
}

/**
 * The common case (one remote keystroke): a single insert whose origins are
 * already known needs no in-delta lookups and no ordering. Returns false when
 * the general check must run instead.
 */
function validateSingleInsert(state: DocState, seq: Sequence, op: InsertOp): boolean {
  const check = seq.checkInsert(op)
  if (check === InsertCheck.OriginMissing) return false
  if (check === InsertCheck.Overlap) invalid(`insert ${op.replica}:${op.counter} overlaps known items out of order`)
  if (op.content !== null && typeof op.content !== 'string') {
    for (let k = 0; k < op.content.length; k++) {
      const item = op.content[k]
      if (isContainerRef(item)) checkNestedKind(state, op.replica, op.counter + k, item[CONTAINER_KIND])
    }
  }
  return true
}
