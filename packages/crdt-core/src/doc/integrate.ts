import { CONTAINER_KIND, isContainerRef } from '../containers/container-ref.js'
import type { Container } from '../containers/container.js'
import type { DeltaData } from '../delta/types.js'
import type { InsertOp, Sequence } from '../sequence/sequence.js'
import type { Doc } from './doc.js'
import type { DocState } from './state.js'
import { integrationOrder } from './validate.js'

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
      if (data.isState && seq.totalLength === 0) {
        // A state into an empty sequence: its inserts are already in document
        // order; the tree is built from them on first use. A text state's
        // columns go in as decoded, with no object per span.
        if (c.kind === 'text' && cd.columns !== undefined) seq.loadColumns(cd.columns)
        else seq.loadLazily(cd.inserts)
      } else {
        for (const op of integrationOrder(cd)) seq.integrate(op)
        for (const op of cd.inserts) if (op.deleted) seq.applyDelete(op)
      }
      for (const del of cd.deletes) {
        for (const range of del.ranges) seq.applyDelete(range)
        if (del.replica === 0) unattributed = true
        else if (isNewDot(state, ranges, del.replica, del.counter)) {
          state.logDelete({ container: c, replica: del.replica, counter: del.counter, ranges: del.ranges })
        }
      }
      if (changed !== null && ((cd.columns?.n ?? cd.inserts.length) > 0 || cd.deletes.length > 0)) changed.add(c)
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

  state.advanceHeads(doc.replicaId, data.ranges, data.deps)
  for (const r of data.ranges) if (r.to > state.counterOf(r.replica)) state.vv.set(r.replica, r.to)
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
