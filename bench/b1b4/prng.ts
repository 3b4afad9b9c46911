/**
 * A small seeded PRNG (mulberry32) for the scenarios' inputs and replica ids: every library gets
 * the same positions and words, and every run the same ones.
 */
export interface Prng {
  /** A uniform 32-bit unsigned integer. */
  next(): number
  /** A uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number
  bool(): boolean
  /** A word of lowercase ASCII letters, its length uniform in [minLen, maxLen]. */
  word(minLen: number, maxLen: number): string
}

export function createPrng(seed: number): Prng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  const int = (min: number, max: number): number => min + Math.floor((next() / 0x1_0000_0000) * (max - min + 1))
  return {
    next,
    int,
    bool: () => (next() & 1) === 1,
    word(minLen, maxLen) {
      const len = int(minLen, maxLen)
      let s = ''
      for (let i = 0; i < len; i++) s += String.fromCharCode(97 + int(0, 25))
      return s
    },
  }
}

/** A seed for one scenario, from its id, so a scenario's inputs do not depend on which others run. */
export function seedOf(id: string, base = 42): number {
  let h = base >>> 0
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/** `words` 32-bit words drawn from `seed`: the bits of a replica id, as wide as the library's own. */
export function idWords(seed: number, words: number): number[] {
  const p = createPrng(seedOf(String(seed), 0x5eed))
  return Array.from({ length: words }, () => p.next())
}
