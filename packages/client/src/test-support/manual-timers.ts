import type { Timers } from '../timers.js'

/** Timers driven by hand: `advance(ms)` fires everything due, in order. */
export class ManualTimers implements Timers {
  private time = 0
  private nextId = 1
  private readonly due = new Map<number, { at: number; fn: () => void }>()

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++
    this.due.set(id, { at: this.time + Math.max(0, ms), fn })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number)
  }
  now(): number {
    return this.time
  }
  get pending(): number {
    return this.due.size
  }
  /** Delays of the timers now scheduled, relative to now. */
  delays(): number[] {
    return [...this.due.values()].map((t) => t.at - this.time)
  }
  /** Move the clock forward, firing due timers (and letting promises settle between them). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    for (;;) {
      await flush()
      let next: [number, { at: number; fn: () => void }] | undefined
      for (const e of this.due) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e
      if (!next) break
      this.due.delete(next[0])
      this.time = next[1].at
      next[1].fn()
    }
    this.time = end
    await flush()
  }
}

/** Let pending promise callbacks (and fake-indexeddb's setImmediate work) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
}
