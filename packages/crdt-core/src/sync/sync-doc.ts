import type { VersionVector } from '../version-vector.js'

/**
 * The part of crdt-core's `Doc` that the sync state machines use. `Doc`
 * satisfies it; tests may pass a smaller stand-in.
 */
export interface SyncDoc {
  /** Join; idempotent; throws `WeftDecodeError` (doc untouched) or `WeftCausalBufferFullError`. */
  applyDelta(bytes: Uint8Array, origin?: unknown): void
  /**
   * `applyDelta` that also reports the delta's dots and whether any was new,
   * from one decode; optional: a stand-in without it is inspected, then applied.
   */
  applyDeltaInspect?(bytes: Uint8Array, origin?: unknown): AppliedDeltaInfo
  versionVector(): VersionVector
  /** This replica's id, 0 while none is drawn; optional: a stand-in without it is never checked for forged dots of its own ([BIND-2]). */
  readonly replicaIdIfDrawn?: number
  /** One entry of the version vector (0: none); optional: a stand-in without it is asked for the whole vector. */
  counterOf?(replica: number): number
  encodeDeltaSince(vv: VersionVector): Uint8Array
  encodeState(): Uint8Array
  digest(): string
  /** Deltas waiting in the causal buffer. */
  readonly pendingCount: number
  /** Drops every delta waiting in the causal buffer ([CAUSAL-2]); optional for stand-ins. */
  discardPending?(): void
}

export type { DeltaInfo } from '../delta/inspect.js'
import type { AppliedDeltaInfo, DeltaInfo } from '../delta/inspect.js'

/**
 * How the server creates, restores and inspects docs. Injected so a server
 * can pick replica ids and doc options, and tests can be deterministic.
 */
export interface DocModel<D extends SyncDoc = SyncDoc> {
  /** An empty doc. */
  create(): D
  /** A doc from `encodeState()` bytes; throws `WeftDecodeError`. */
  load(state: Uint8Array): D
  /** Validated dot ranges of a delta or state; throws `WeftDecodeError`. */
  inspectDelta(bytes: Uint8Array): DeltaInfo
}

/** Origin passed to `applyDelta` for everything the sync machines apply, so `change` listeners can tell. */
export const SYNC_ORIGIN: unique symbol = Symbol.for('weft.sync')
