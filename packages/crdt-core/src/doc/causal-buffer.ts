import { WeftCausalBufferFullError } from '../errors.js'
import type { DeltaData } from '../delta/types.js'

export interface PendingDelta {
  data: DeltaData
  bytes: number
  origin: unknown
}

/**
 * Deltas that arrived before their causal dependencies. Bounded by count and
 * bytes: past either bound the caller gets a typed error and should resync.
 */
export class CausalBuffer {
  private pending: PendingDelta[] = []
  private bytes = 0

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  get count(): number {
    return this.pending.length
  }

  get size(): number {
    return this.bytes
  }

  add(p: PendingDelta): void {
    if (this.pending.length + 1 > this.maxCount || this.bytes + p.bytes > this.maxBytes) {
      throw new WeftCausalBufferFullError(this.pending.length, this.bytes)
    }
    this.pending.push(p)
    this.bytes += p.bytes
  }

  /** Removes and returns the first pending delta that `ready` accepts. */
  takeReady(ready: (d: DeltaData) => boolean): PendingDelta | undefined {
    const i = this.pending.findIndex((p) => ready(p.data))
    if (i < 0) return undefined
    const [p] = this.pending.splice(i, 1)
    this.bytes -= p!.bytes
    return p
  }

  /** Drops deltas whose every dot is already known. */
  dropIf(stale: (d: DeltaData) => boolean): void {
    const keep = this.pending.filter((p) => !stale(p.data))
    if (keep.length === this.pending.length) return
    this.pending = keep
    this.bytes = keep.reduce((n, p) => n + p.bytes, 0)
  }

  clear(): void {
    this.pending = []
    this.bytes = 0
  }
}
