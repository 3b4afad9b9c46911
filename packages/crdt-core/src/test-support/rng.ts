import { seededRandom } from '../seeded-random.js'

/** Helpers over `seededRandom`, so every random test can be replayed from its seed. */
export class Rng {
  readonly next: () => number
  constructor(readonly seed: number) {
    this.next = seededRandom(seed)
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      ;[xs[i], xs[j]] = [xs[j]!, xs[i]!]
    }
    return xs
  }
}

/** Seeds for a test: WEFT_SEED replays one; otherwise `count` seeds from a base. */
export function seeds(count: number, base = 1): number[] {
  const one = process.env['WEFT_SEED']
  if (one !== undefined) return [Number(one)]
  return Array.from({ length: count }, (_, i) => base + i)
}
