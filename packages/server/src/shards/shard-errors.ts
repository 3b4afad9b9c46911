/** SQLSTATE the shards' fence trigger raises when a write reaches a doc's old shard after a move (custom class "WF"). */
export const DOC_MOVED_SQLSTATE = 'WFMOV'

/** Is this the error of a write (or lock) refused by a shard because the doc moved away? Nothing was written. */
export function isDocMovedError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DOC_MOVED_SQLSTATE
}

/** A shard named by the map (or by a move) that this router was not given a URL for. */
export class UnknownShardError extends Error {
  override readonly name = 'UnknownShardError'
  readonly code = 'unknown-shard'
  constructor(readonly shard: string) {
    super(`shard "${shard}" is in the shard map but was not configured here: pass its URL in the shards option (--store id=postgres://...)`)
  }
}

/** A two-phase transaction was aborted (by its coordinator after a failure, or by recovery after the coordinator went silent). */
export class TwoPhaseAbortedError extends Error {
  override readonly name = 'TwoPhaseAbortedError'
  readonly code = 'two-phase-aborted'
  constructor(
    readonly txid: string,
    reason: string,
  ) {
    super(`two-phase transaction ${txid} aborted: ${reason}`)
  }
}

/**
 * A two-phase transaction's outcome is not known to its coordinator (a
 * connection failed after the decision was asked for): it is decided in the
 * coordinator log, and recovery carries it out. Do not retry it blindly.
 */
export class TwoPhaseInDoubtError extends Error {
  override readonly name = 'TwoPhaseInDoubtError'
  readonly code = 'two-phase-in-doubt'
  constructor(
    readonly txid: string,
    cause: unknown,
  ) {
    super(`two-phase transaction ${txid} is in doubt (${String(cause)}): recovery resolves it from the coordinator log`, { cause })
  }
}
