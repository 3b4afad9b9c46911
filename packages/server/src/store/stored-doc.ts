import { Doc, TRUSTED_MAX_INFLATED_BYTES } from '@weft/crdt-core'

/**
 * Docs rebuilt from what a store holds: its snapshots and logged deltas were
 * written by a server after their bounds were checked ([LIM-INFLATE-1]), so
 * they inflate without the default 64 MiB policy bound. A doc grows by acked
 * writes with no bound of its own; with that bound a snapshot of a doc past
 * it would never load again ([LIMIT-2]).
 */
const TRUSTED = { maxInflatedBytes: TRUSTED_MAX_INFLATED_BYTES } as const

/** An empty doc that stored deltas are applied to. */
export function emptyStoredDoc(): Doc {
  return new Doc(TRUSTED)
}

/** A doc restored from a stored snapshot (or from a peer node's state, which passed the same bounds). */
export function loadStoredDoc(state: Uint8Array): Doc {
  return Doc.load(state, TRUSTED)
}
