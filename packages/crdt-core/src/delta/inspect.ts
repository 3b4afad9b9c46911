import type { VersionVector } from '../version-vector.js'
import { decodeDelta } from './codec.js'
import { depsToVersionVector, type DotRange } from './types.js'

/** What a delta carries, without a document: for stores and servers that index deltas. */
export interface DeltaInfo {
  /** A complete state rather than an incremental delta. */
  isState: boolean
  /** What a receiver must have seen before this delta applies (each range's start is implied too). */
  deps: VersionVector
  /** The dots it carries: counters in (from, to] per replica. */
  ranges: DotRange[]
}

/** Decodes and validates a delta, returning its causal header. Throws `WeftDecodeError`. */
export function inspectDelta(bytes: Uint8Array): DeltaInfo {
  const d = decodeDelta(bytes)
  return { isState: d.isState, deps: depsToVersionVector(d.deps), ranges: d.ranges }
}
