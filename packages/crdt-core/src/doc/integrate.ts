import { CONTAINER_KIND, isContainerRef } from '../containers/container-ref.js'
import type { Container } from '../containers/container.js'
import type { WeftText } from '../containers/text.js'
import type { MarkOp } from '../text/marks.js'
import type { TextEditLog } from '../text/text-delta.js'
import { causalDeps, type ContainerDelta, type DeltaData } from '../delta/types.js'
import type { InsertOp, Sequence } from '../sequence/sequence.js'
import type { Doc } from './doc.js'
import type { DocState } from './state.js'
import { integrationOrder, type InsertOrders } from './validate.js'

/**
 * Applies a validated delta. Returns the containers that changed when
 * `edits` is given (someone listens for changes; it records each text's
 * edits), else null.
 */
export function integrateDelta(doc: Doc, state: DocState, data: DeltaData, edits: TextEditLog<WeftText> | null, orders: InsertOrders): Set<Container> | null {
  const changed = edits !== null ? new Set<Container>() : null
  let unattributed = data.isState
  const containers = data.containers
  if (containers.length === 1) {
    // A remote keystroke: no list of targets to build.
    const cd = containers[0]!
    if (integrateContainer(doc, state, data, cd, doc.containerFor(cd.id), changed, edits, orders)) unattributed = true
  } else {
    // Create containers in the delta's order before any entry creates nested
    // ones, so a loaded state lists (and re-encodes) them as its source did.
    const targets: Container[] = new Array(containers.length)
    for (let i = 0; i < containers.length; i++) targets[i] = doc.containerFor(containers[i]!.id)
    for (let i = 0; i < containers.length; i++) {
      if (integrateContainer(doc, state, data, containers[i]!, targets[i]!, changed, edits, orders)) unattributed = true
    }
  }

  state.advanceHeads(doc.replicaIdIfDrawn, data.ranges, causalDeps(data.deps, data.ranges))
  for (let i = 0; i < data.ranges.length; i++) {
    const r = data.ranges[i]!
    if (r.to > state.counterOf(r.replica)) state.setCounter(r.replica, r.to)
  }
  if (unattributed) {
    const base = { ...state.historyBase }
    for (const r of data.ranges) if (r.to > (base[r.replica] ?? 0)) base[r.replica] = r.to
    state.historyBase = base
  }
  return changed
}

/** Applies one container's part of a delta. Returns true when it held an unattributed delete. */
function integrateContainer(
  doc: Doc,
  state: DocState,
  data: DeltaData,
  cd: ContainerDelta,
  c: Container,
  changed: Set<Container> | null,
  edits: TextEditLog<WeftText> | null,
  orders: InsertOrders,
): boolean {
  let unattributed = false
  if (c.kind === 'text' || c.kind === 'list') {
    const seq = (c as { seq: Sequence }).seq
    if (c.kind === 'list') materializeNested(doc, state, c, cd.inserts)
    // A text's edits by index: for its marks' ranges (when it has marks) and the change event (when someone listens).
    const text = c.kind === 'text' ? c : null
    const log = text !== null ? edits : null
    const byIndex = text !== null && (log !== null || text.marks.size > 0)
    const onDeleted = !byIndex
      ? undefined
      : (index: number, length: number) => {
          text.marks.afterDelete(seq, index, length)
          log?.deleted(text, index, length)
        }
    const fresh = data.isState && seq.totalLength === 0
    if (fresh) {
      // A state into an empty sequence: its inserts are already in document
      // order; the tree is built from them on first use. A text state's
      // columns go in as decoded, with no object per span.
      if (c.kind === 'text' && cd.columns !== undefined) seq.loadColumns(cd.columns)
      else seq.loadLazily(cd.inserts)
      log?.replaced(c as WeftText, 0)
    } else {
      const order = integrationOrder(cd, orders)
      for (let i = 0; i < order.length; i++) {
        const op = order[i]!
        const placed = seq.integrate(op)
        if (byIndex && placed > 0 && typeof op.content === 'string') {
          const index = seq.visibleIndexOfId(op.replica, op.counter + op.len - placed)
          text!.marks.afterInsert(seq, index, placed)
          log?.inserted(text!, index, placed === op.len ? op.content : op.content.slice(op.len - placed))
        }
      }
      for (let i = 0; i < cd.inserts.length; i++) if (cd.inserts[i]!.deleted) seq.applyDelete(cd.inserts[i]!, onDeleted)
    }
    for (let i = 0; i < cd.deletes.length; i++) {
      const del = cd.deletes[i]!
      for (let j = 0; j < del.ranges.length; j++) seq.applyDelete(del.ranges[j]!, onDeleted)
      if (del.replica === 0) unattributed = true
      else if (isNewDot(state, data.ranges, del.replica, del.counter)) {
        state.logDelete(c, del.replica, del.counter, del.ranges)
      }
    }
    if (changed !== null && ((cd.columns?.n ?? cd.inserts.length) > 0 || cd.deletes.length > 0)) changed.add(c)
    if (cd.marks !== undefined && c.kind === 'text') integrateMarks(state, c, cd.marks, changed, edits)
    if (cd.moves !== undefined && c.kind === 'text') {
      // A state's tombstones already hide what its moves outrank; anything else hides it now.
      const hide = fresh ? undefined : (replica: number, counter: number, len: number) => void seq.applyDelete({ replica, counter, len }, onDeleted)
      for (let i = 0; i < cd.moves.length; i++) {
        const op = cd.moves[i]!
        if (op.lamport > state.lamport) state.lamport = op.lamport
        if (c.moves.add(op, hide)) changed?.add(c)
      }
    }
  } else if (c.kind === 'map') {
    for (const e of cd.entries) {
      if (e.lamport > state.lamport) state.lamport = e.lamport
      let value: unknown
      if (e.value.type === 'json') value = e.value.value
      else if (e.value.type === 'container') {
        const nested = doc.nestedContainer(e.value.kind, e.replica, e.counter)
        state.nesting.link(c.id, nested.id)
        value = nested
      }
      if (c.applyEntry(e, value)) changed?.add(c)
    }
  } else if (c.kind === 'counter') {
    for (const k of cd.counts) if (c.applyCount(k)) changed?.add(c)
  }
  return unattributed
}

/** Joins format/unformat ops (each known dot once) and moves the Lamport clock past them. */
function integrateMarks(state: DocState, text: WeftText, marks: readonly MarkOp[], changed: Set<Container> | null, edits: TextEditLog<WeftText> | null): void {
  for (let i = 0; i < marks.length; i++) {
    const op = marks[i]!
    if (op.lamport > state.lamport) state.lamport = op.lamport
    if (text.marks.add(op)) {
      changed?.add(text)
      edits?.marked(text, op.key, op.start, op.end)
    }
  }
}

/**
 * A delete op is new (and goes to the log) when its dot is above what this
 * replica had before the delta: vectors move only after the ops are applied.
 */
function isNewDot(state: DocState, ranges: DeltaData['ranges'], replica: number, counter: number): boolean {
  for (let i = 0; i < ranges.length; i++) if (ranges[i]!.replica === replica) return counter > state.counterOf(replica)
  return false
}

/** Replaces container placeholders in list content with the nested containers they name. */
function materializeNested(doc: Doc, state: DocState, list: Container, inserts: InsertOp[]): void {
  for (const op of inserts) {
    if (op.content === null || typeof op.content === 'string') continue
    const items = op.content
    for (let k = 0; k < items.length; k++) {
      const item = items[k]
      if (!isContainerRef(item)) continue
      const nested = doc.nestedContainer(item[CONTAINER_KIND], op.replica, op.counter + k)
      state.nesting.link(list.id, nested.id)
      items[k] = nested
    }
  }
}
