import { containerKey } from '../containers/kind.js'
import { isContainerRef, CONTAINER_KIND } from '../containers/container-ref.js'
import type { Container } from '../containers/container.js'
import type { ContainerDelta, DeltaData } from '../delta/types.js'
import { WeftDecodeError } from '../errors.js'
import type { InsertOp, Sequence } from '../sequence/sequence.js'
import type { Doc } from './doc.js'
import type { DocState } from './state.js'

/** Integration order of each sequence container's inserts, computed while validating. */
const insertOrder = new WeakMap<ContainerDelta, InsertOp[]>()

function invalid(message: string): never {
  throw new WeftDecodeError('invalid', message)
}

/**
 * Checks a decoded delta against the document before anything is applied:
 * container kinds agree, every origin and delete target exists (here or in
 * the delta), no insert duplicates known items, and the inserts can be
 * ordered so each one's origins come first. Throws `WeftDecodeError`.
 */
export function validateDelta(state: DocState, data: DeltaData): void {
  for (const cd of data.containers) {
    const existing = state.find(cd.id)
    if (existing !== undefined && existing.id.kind !== cd.id.kind) {
      invalid(`container ${containerKey(cd.id)} is a ${existing.id.kind} here, the delta says ${cd.id.kind}`)
    }
    for (const e of cd.entries) {
      if (e.value.type === 'container') checkNestedKind(state, e.replica, e.counter, e.value.kind)
    }
    if (cd.id.kind === 'text' || cd.id.kind === 'list') {
      const seq = existing !== undefined && 'seq' in existing ? existing.seq : undefined
      validateSequence(state, seq, cd, data.isState)
    }
  }
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

function lastAtMost(sorted: Float64Array, x: number): number {
  let lo = 0
  let hi = sorted.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= x) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

function validateSequence(state: DocState, seq: Sequence | undefined, cd: ContainerDelta, isState: boolean): void {
  const inserts = cd.inserts
  if (isState && (seq === undefined || seq.totalLength === 0)) {
    validateLoadedState(state, cd)
    return
  }
  if (seq !== undefined && cd.deletes.length === 0 && inserts.length === 1 && validateSingleInsert(state, seq, inserts[0]!)) {
    return
  }
  const ids = inserts.length > 0 ? new DeltaIds(inserts) : undefined
  const known = (r: number, c: number): boolean => seq !== undefined && seq.has(r, c)

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
      if (known < op.len && seq.index.maxCounter(op.replica) >= op.counter + known) {
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
  insertOrder.set(cd, order)

  for (const del of cd.deletes) {
    for (const range of del.ranges) {
      let c = range.counter
      const end = range.counter + range.len
      while (c < end) {
        const span = seq?.index.find(range.replica, c)
        if (span !== undefined) {
          c = span.counter + span.len
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

/**
 * The common case (one remote keystroke): a single insert whose origins are
 * already known needs no in-delta lookups and no ordering. Returns false when
 * the general check must run instead.
 */
function validateSingleInsert(state: DocState, seq: Sequence, op: InsertOp): boolean {
  if (op.olReplica !== 0 && !seq.has(op.olReplica, op.olCounter)) return false
  if (op.orReplica !== 0 && !seq.has(op.orReplica, op.orCounter)) return false
  const known = seq.knownPrefix(op.replica, op.counter, op.len)
  if (known < op.len && seq.index.maxCounter(op.replica) >= op.counter + known) {
    invalid(`insert ${op.replica}:${op.counter} overlaps known items out of order`)
  }
  if (op.content !== null && typeof op.content !== 'string') {
    for (let k = 0; k < op.content.length; k++) {
      const item = op.content[k]
      if (isContainerRef(item)) checkNestedKind(state, op.replica, op.counter + k, item[CONTAINER_KIND])
    }
  }
  return true
}

/**
 * Applies a validated delta. Returns the containers that changed when
 * `track` is set (someone listens for changes), else null.
 */
export function integrateDelta(doc: Doc, state: DocState, data: DeltaData, track: boolean): Set<Container> | null {
  const changed = track ? new Set<Container>() : null
  const ranges = data.ranges
  let unattributed = data.isState

  // Create containers in the delta's order before any entry creates nested
  // ones, so a loaded state lists (and re-encodes) them as its source did.
  const containers = data.containers
  const targets: Container[] = new Array(containers.length)
  for (let i = 0; i < containers.length; i++) targets[i] = doc.containerFor(containers[i]!.id)
  for (let i = 0; i < containers.length; i++) {
    const cd = containers[i]!
    const c = targets[i]!
    if (c.kind === 'text' || c.kind === 'list') {
      const seq = (c as { seq: Sequence }).seq
      if (c.kind === 'list') materializeNested(doc, cd.inserts)
      const order = insertOrder.get(cd) ?? cd.inserts
      if (data.isState && seq.totalLength === 0) {
        // A state into an empty sequence: its inserts are already in document
        // order; the tree is built from them on first use.
        seq.loadLazily(cd.inserts)
      } else {
        for (const op of order) seq.integrate(op)
        for (const op of cd.inserts) if (op.deleted) seq.applyDelete(op)
      }
      for (const del of cd.deletes) {
        for (const range of del.ranges) seq.applyDelete(range)
        if (del.replica === 0) unattributed = true
        else if (isNewDot(state, ranges, del.replica, del.counter)) {
          state.logDelete({ container: c, replica: del.replica, counter: del.counter, ranges: del.ranges })
        }
      }
      if (changed !== null && (cd.inserts.length > 0 || cd.deletes.length > 0)) changed.add(c)
    } else if (c.kind === 'map') {
      for (const e of cd.entries) {
        if (e.lamport > state.lamport) state.lamport = e.lamport
        const value =
          e.value.type === 'json' ? e.value.value : e.value.type === 'container' ? doc.nestedContainer(e.value.kind, e.replica, e.counter) : undefined
        if (c.applyEntry(e, value)) changed?.add(c)
      }
    } else if (c.kind === 'counter') {
      for (const k of cd.counts) if (c.applyCount(k)) changed?.add(c)
    }
  }

  for (const r of data.ranges) {
    if (r.to > state.counterOf(r.replica)) {
      state.vv.set(r.replica, r.to)
      if (r.replica !== doc.replicaId) state.dirtyDeps.set(r.replica, r.to)
    }
  }
  if (unattributed) {
    const base = { ...state.historyBase }
    for (const r of data.ranges) if (r.to > (base[r.replica] ?? 0)) base[r.replica] = r.to
    state.historyBase = base
  }
  return changed
}

/**
 * A delete op is new (and goes to the log) when its dot is above what this
 * replica had before the delta: vectors move only after the ops are applied.
 */
function isNewDot(state: DocState, ranges: DeltaData['ranges'], replica: number, counter: number): boolean {
  for (const r of ranges) if (r.replica === replica) return counter > state.counterOf(replica)
  return false
}

/** Replaces container placeholders in list content with the nested containers they name. */
function materializeNested(doc: Doc, inserts: InsertOp[]): void {
  for (const op of inserts) {
    if (op.content === null || typeof op.content === 'string') continue
    const items = op.content
    for (let k = 0; k < items.length; k++) {
      const item = items[k]
      if (isContainerRef(item)) items[k] = doc.nestedContainer(item[CONTAINER_KIND], op.replica, op.counter + k)
    }
  }
}
