import type { VersionVector } from '../version-vector.js'
import { compactFormatOf, decodeDelta, encodeDelta, type DecodeOptions } from './codec.js'
import { depsToVersionVector, type DeltaData, type Deps, type DotRange } from './types.js'

/** What a delta carries, without a document: for stores and servers that index deltas. */
export interface DeltaInfo {
  /** A complete state rather than an incremental delta. */
  isState: boolean
  /** What a receiver must have seen before this delta applies (each range's start is implied too). */
  readonly deps: VersionVector
  /** The dots it carries: counters in (from, to] per replica. */
  ranges: DotRange[]
  /**
   * The delta re-encoded without the empty container sections its decode
   * dropped ([LIMIT-EMPTY-1]): the same dots and ops, what a server persists
   * and relays instead of the bytes it was sent. Absent when nothing was
   * dropped (the bytes are already canonical in that respect).
   */
  canonical?: Uint8Array
}

/** What `Doc.applyDeltaInspect` reports: the delta's header, and whether it brought anything new. */
export interface AppliedDeltaInfo extends DeltaInfo {
  /** Some of its dots were new to the doc (so it is worth persisting and fanning out). */
  novel: boolean
}

/** Decodes and validates a delta, returning its causal header. Throws `WeftDecodeError`. */
export function inspectDelta(bytes: Uint8Array, options?: DecodeOptions): DeltaInfo {
  const d = decodeDelta(bytes, undefined, options)
  return withCanonical(deltaInfo(d.isState, d.deps, d.ranges), d, bytes)
}

/**
 * Adds `canonical` to `info` when decoding `data` dropped empty sections.
 * Why: such a delta is junk no encoder writes (34k empty sections in 256 KiB),
 * and stored as sent it costs every later load and every subscriber its
 * decode again (~20-40 ms each, one slice per load); re-encoded it is its
 * header, in the format `bytes` (what `data` was decoded from) came in.
 * Call before `data`'s reused objects are overwritten.
 */
export function withCanonical<T extends DeltaInfo>(info: T, data: DeltaData, bytes: Uint8Array): T {
  if (data.droppedEmpty !== undefined && data.droppedEmpty > 0) info.canonical = encodeDelta(data, undefined, compactFormatOf(bytes))
  return info
}

/** The header of a decoded delta; `ranges` must be the caller's to keep. */
export function deltaInfo(isState: boolean, depsOf: Deps, ranges: DotRange[]): DeltaInfo {
  let deps: VersionVector | undefined
  return {
    isState,
    // Built on first read: a server indexes deltas by their ranges and never
    // asks, and each 53-bit id as an object key is a string conversion.
    get deps() {
      return (deps ??= depsToVersionVector(depsOf))
    },
    ranges,
  }
}
