import type { ContainerId, ContainerKind } from '../containers/kind.js'
import type { IdRange, InsertOp } from '../sequence/sequence.js'
import type { SequenceColumns } from '../sequence/columns.js'
import type { JsonValue } from '../values.js'
import type { MarkOp } from '../text/marks.js'
import type { MoveOp } from '../text/moves.js'
import type { VersionVector } from '../version-vector.js'

/** Dots a delta carries for one replica: counters in (from, to]. */
export interface DotRange {
  replica: number
  from: number
  to: number
}

/** A delete operation. `replica` 0 marks an unattributed delete (from a state whose history was folded). */
export interface DeleteOp {
  replica: number
  counter: number
  ranges: IdRange[]
}

/** A map write; the winning write per key is last-writer-wins on (lamport, replica). */
export interface MapEntryOp {
  key: string
  replica: number
  counter: number
  lamport: number
  value: StoredValueOp
}

/** A value in a delta: JSON, a new nested container (its id is the op's dot), or a map deletion. */
export type StoredValueOp = { type: 'json'; value: JsonValue } | { type: 'container'; kind: ContainerKind } | { type: 'deleted' }

/** One replica's running total of a counter, as of its dot. */
export interface CounterOp {
  replica: number
  counter: number
  total: number
}

export interface ContainerDelta {
  id: ContainerId
  inserts: InsertOp[]
  /** A decoded state's sequence as columns (see state-columns.ts); `inserts` derive from them. */
  columns?: SequenceColumns
  deletes: DeleteOp[]
  entries: MapEntryOp[]
  counts: CounterOp[]
  /** Text only: format/unformat ops (delta format v2; absent when none). */
  marks?: MarkOp[] | undefined
  /** Text only: moves of ranges (delta format v3; absent when none). */
  moves?: MoveOp[] | undefined
}

/** Decoded form of a delta (or state, which is a delta from nothing). */
export interface DeltaData {
  /** A complete state: inserts come in document order and carry every tombstone. */
  isState: boolean
  /** What the receiver must have seen first (besides each range's own start). */
  deps: Deps
  ranges: DotRange[]
  containers: ContainerDelta[]
  /** Container sections the decoder dropped because they held no op ([LIMIT-EMPTY-1]); absent or 0 when none. */
  droppedEmpty?: number
}

/**
 * What a delta depends on: replica ids and counters, in parallel, each
 * replica once. Arrays rather than a version vector object: a 53-bit id as
 * an object key is a number-to-string conversion at every use, and a
 * keystroke among many writers names a dozen of them.
 */
export interface Deps {
  readonly replicas: readonly number[]
  readonly counters: readonly number[]
}

/**
 * The empty dependency set, shared and frozen. Deltas that depend on nothing
 * besides their own ranges (a lone typist's every keystroke) carry this one,
 * so encoders and `Doc` skip their loops over dependencies by identity.
 */
export const NO_DEPS: Deps = Object.freeze({ replicas: Object.freeze([]), counters: Object.freeze([]) })

/** Dependencies as a version vector. */
export function depsToVersionVector(deps: Deps): VersionVector {
  const vv: VersionVector = {}
  for (let i = 0; i < deps.replicas.length; i++) vv[deps.replicas[i]!] = deps.counters[i]!
  return vv
}

/** `replica`'s counter in `deps`, or 0. */
export function depOf(deps: Deps, replica: number): number {
  const replicas = deps.replicas
  for (let i = 0; i < replicas.length; i++) if (replicas[i] === replica) return deps.counters[i]!
  return 0
}

/**
 * [SYNC-DEPS-1] The dependencies of a delta that are its dots' causal past,
 * or `NO_DEPS` when they only bound what a receiver must hold: a catch-up
 * (`encodeDeltaSince`) names its encoder's whole vector, and marks itself by
 * also naming each replica it carries, at its range's start. A local
 * transaction's delta never names its own replica.
 */
export function causalDeps(deps: Deps, ranges: readonly DotRange[]): Deps {
  if (deps === NO_DEPS) return deps
  for (let i = 0; i < ranges.length; i++) if (deps.replicas.includes(ranges[i]!.replica)) return NO_DEPS
  return deps
}
