/**
 * How far a client write has travelled ([DUR-1]). An open set: `quorum` and
 * `all-regions` join later; code that switches on it must keep a default.
 */
export type DurabilityLevel = 'local' | 'server'

/** Per doc, the highest local seq that reached each level: `{ local: 12, server: 9 }`. */
export type DurabilityPositions = { readonly [L in DurabilityLevel]: number }

/** One unacked local delta. */
export interface OutboxEntry {
  readonly seq: number
  readonly bytes: Uint8Array
}

/** What a client restores for a doc from its own storage after a restart. */
export interface RestoredDoc {
  /** Highest local seq persisted on this device. */
  readonly lastSeq: number
  /** Highest local seq the server acked. */
  readonly ackedSeq: number
  /** Persisted local deltas with seq > ackedSeq, ascending. */
  readonly outbox: readonly OutboxEntry[]
}
