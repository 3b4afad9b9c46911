import type { Container } from '../containers/container.js'
import { CONTAINER_KIND, isContainerRef } from '../containers/container-ref.js'
import { NO_DEPS, type ContainerDelta, type DeltaData, type Deps, type DotRange } from '../delta/types.js'
import { vvCovers, type VersionVector } from '../version-vector.js'
import type { DocState } from './state.js'

function emptyDelta(c: Container): ContainerDelta {
  return { id: c.id, inserts: [], deletes: [], entries: [], counts: [] }
}

function isEmpty(d: ContainerDelta): boolean {
  return (d.columns?.n ?? 0) + d.inserts.length + d.deletes.length + d.entries.length + d.counts.length + (d.marks?.length ?? 0) + (d.moves?.length ?? 0) === 0
}

/** Everything a replica at `since` lacks, as one delta. */
export function buildDeltaSince(state: DocState, since: VersionVector): DeltaData {
  const ranges: DotRange[] = []
  const depReplicas: number[] = []
  const depCounters: number[] = []
  for (const [replica, counter] of state.vv) {
    const have = since[replica] ?? 0
    if (counter > have) {
      ranges.push({ replica, from: have, to: counter })
      // [SYNC-DEPS-1] Named at its range's start (what the range needs anyway): this marks the
      // dependencies below as a bound, the encoder's vector, not the causal past of the dots.
      depReplicas.push(replica)
      depCounters.push(have)
    } else if (counter > 0) {
      depReplicas.push(replica)
      depCounters.push(counter)
    }
  }
  if (ranges.length === 0) return { isState: false, deps: NO_DEPS, ranges: [], containers: [] }
  const deps: Deps = depReplicas.length === 0 ? NO_DEPS : { replicas: depReplicas, counters: depCounters }

  // Exact deletes from the log when the peer is past every folded history;
  // otherwise every tombstone it may have missed.
  const exactDeletes = vvCovers(since, state.historyBase)
  const out = new Map<Container, ContainerDelta>()
  for (const c of state.containers.values()) {
    const d = emptyDelta(c)
    if (c.kind === 'text' || c.kind === 'list') {
      d.inserts = c.seq.insertsSince(since)
      if (!exactDeletes) {
        const ranges = c.seq.tombstonesUpTo(since)
        // [SYNC-DEL-1] Deletes that travel without their dots (as tombstones, or as inserts that
        // arrive deleted) are marked unattributed, so the receiver never offers exact deletes it lacks.
        if (ranges.length > 0 || d.inserts.some((op) => op.deleted)) d.deletes.push({ replica: 0, counter: 0, ranges })
      }
      if (c.kind === 'text' && c.marks.size > 0) {
        const marks = c.marks.since(since)
        if (marks.length > 0) d.marks = marks
      }
      if (c.kind === 'text' && c.moves.size > 0) {
        const moves = c.moves.since(since)
        if (moves.length > 0) d.moves = moves
      }
    } else if (c.kind === 'map') {
      for (const [key, e] of c.entries) {
        if (e.counter <= (since[e.replica] ?? 0)) continue
        d.entries.push({ key, replica: e.replica, counter: e.counter, lamport: e.lamport, value: entryValue(e.value, e.deleted) })
      }
    } else {
      for (const [replica, t] of c.totals) if (t.counter > (since[replica] ?? 0)) d.counts.push({ replica, counter: t.counter, total: t.total })
    }
    out.set(c, d)
  }
  if (exactDeletes) {
    state.deleteLog.forEach((container, replica, counter, ranges) => {
      if (counter > (since[replica] ?? 0)) out.get(container)!.deletes.push({ replica, counter, ranges })
    })
  }
  return { isState: false, deps, ranges, containers: [...out.values()].filter((d) => !isEmpty(d)) }
}

/** The whole document: inserts in document order with their tombstones, every map entry and counter total. */
export function buildState(state: DocState): DeltaData {
  const ranges: DotRange[] = []
  for (const [replica, counter] of state.vv) if (counter > 0) ranges.push({ replica, from: 0, to: counter })
  const containers: ContainerDelta[] = []
  for (const c of state.containers.values()) {
    const d = emptyDelta(c)
    if (c.kind === 'text' || c.kind === 'list') {
      // Columns straight from the sequence: no object per span (see sequence/columns.ts).
      d.columns = c.seq.stateColumns()
      if (c.kind === 'text' && c.marks.size > 0) d.marks = c.marks.ops.slice()
      if (c.kind === 'text' && c.moves.size > 0) d.moves = c.moves.ops.slice()
    } else if (c.kind === 'map') {
      for (const [key, e] of c.entries) {
        d.entries.push({ key, replica: e.replica, counter: e.counter, lamport: e.lamport, value: entryValue(e.value, e.deleted) })
      }
    } else {
      for (const [replica, t] of c.totals) d.counts.push({ replica, counter: t.counter, total: t.total })
    }
    if (!isEmpty(d)) containers.push(d)
  }
  return { isState: true, deps: NO_DEPS, ranges, containers }
}

function entryValue(value: unknown, deleted: boolean): ContainerDelta['entries'][number]['value'] {
  if (deleted) return { type: 'deleted' }
  if (isContainerRef(value)) return { type: 'container', kind: value[CONTAINER_KIND] }
  return { type: 'json', value: value as never }
}
