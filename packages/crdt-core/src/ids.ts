/** Largest replica id: replica ids are random non-zero integers below 2^53. */
export const MAX_REPLICA_ID = Number.MAX_SAFE_INTEGER

/**
 * Draws a random replica id in [1, 2^53). Uses the platform CSPRNG where
 * there is one: two live doc instances must never share an id, and 53 random
 * bits make a collision negligible.
 */
export function randomReplicaId(): number {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto
  let hi: number
  let lo: number
  if (c?.getRandomValues) {
    const words = c.getRandomValues(new Uint32Array(2))
    hi = words[0]! & 0x1fffff
    lo = words[1]!
  } else {
    hi = Math.floor(Math.random() * 0x200000)
    lo = Math.floor(Math.random() * 0x1_0000_0000)
  }
  const id = hi * 0x1_0000_0000 + lo
  return id === 0 ? 1 : id
}

export function isValidReplicaId(id: number): boolean {
  return Number.isSafeInteger(id) && id > 0
}
