import type { VersionVector } from '../version-vector.js'
import { decodeDelta } from './codec.js'
import { depsToVersionVector, type DotRange } from './types.js'

/** What a delta carries, without a document: for stores and servers that index deltas. */
export interface DeltaInfo {
  /** A complete state rather than an incremental delta. */
  isState: boolean
  /** What a receiver must have seen before this delta applies (each range's start is implied too). */
  readonly deps: VersionVector
  /** The dots it carries: counters in (from, to] per replica. */
  ranges: DotRange[]
}

/** Decodes and validates a delta, returning its causal header. Throws `WeftDecodeError`. */
export function inspectDelta(bytes: Uint8Array): DeltaInfo {
  const d = decodeDelta(bytes)
  let deps: VersionVector | undefined
  return {
    isState: d.isState,
    // Built on first read: a server indexes deltas by their ranges and never
    // asks, and each 53-bit id as an object key is a string conversion.
    get deps() {
      return (deps ??= depsToVersionVector(d.deps))
    },
    ranges: d.ranges,
  }
}
