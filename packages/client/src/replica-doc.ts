/**
 * The slice of crdt-core's `Doc` that the client runtime drives. Kept as a
 * structural type so the I/O shell depends on what it uses, nothing more.
 */
export type VersionVector = Record<number, number>

export interface ReplicaDoc {
  readonly replicaId: number
  readonly pendingCount: number
  on(event: 'delta', fn: (delta: Uint8Array, origin: unknown) => void): () => void
  applyDelta(bytes: Uint8Array, origin?: unknown): void
  /** Joins the delta if its causal past is here; false (nothing changed) if not. */
  applyDeltaIfReady(bytes: Uint8Array, origin?: unknown): boolean
  versionVector(): VersionVector
  encodeDeltaSince(vv: VersionVector): Uint8Array
  encodeState(): Uint8Array
}

/** True when `a` has seen everything `b` has (componentwise a >= b). */
export function covers(a: VersionVector, b: VersionVector): boolean {
  for (const [r, c] of Object.entries(b)) if ((a[Number(r)] ?? 0) < c) return false
  return true
}
