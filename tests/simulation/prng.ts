import { seededRandom } from '@weft/crdt-core'

/** Helpers over crdt-core's `seededRandom`, so every simulated schedule replays from its seed. */
export class Prng {
  /** Uniform in [0, 1). */
  readonly next: () => number
  constructor(seed: number) {
    this.next = seededRandom(seed)
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }
  /** A non-zero 53-bit id (replica ids). */
  id53(): number {
    return this.int(0x1fffff) * 0x1_0000_0000 + this.int(0x1_0000_0000) + 1
  }
}
