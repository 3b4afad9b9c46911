import type { Timers } from '@weft/client'

/**
 * One process's timers on the simulation's clock: nothing fires on its own;
 * the simulation fires what is due when it chooses, so a schedule replays.
 */
export class SimTimers implements Timers {
  private nextId = 1
  private readonly due = new Map<number, { at: number; fn: () => void }>()

  constructor(private readonly clock: () => number) {}

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++
    this.due.set(id, { at: this.clock() + Math.max(0, ms), fn })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number)
  }
  now(): number {
    return this.clock()
  }
  /** Fires every timer due by now, earliest first (ties in the order they were set). */
  fireDue(): void {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined
      for (const e of this.due) if (e[1].at <= this.clock() && (!next || e[1].at < next[1].at)) next = e
      if (!next) return
      this.due.delete(next[0])
      next[1].fn()
    }
  }
}
