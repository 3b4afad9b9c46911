/**
 * A seeded PRNG (mulberry32): uniform numbers in [0, 1) that replay exactly
 * from their seed. For deterministic simulations of documents and of the sync
 * state machines, where a failing schedule must be reproducible from one number.
 * Not for anything secret.
 *
 * @example
 * const random = seededRandom(42)
 * random() // same sequence on every run with seed 42
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
