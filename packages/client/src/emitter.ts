type Listener = (...args: unknown[]) => void

/** A minimal typed event emitter; a throwing listener never stops the others. */
export class Emitter<Events extends Record<string, unknown[]>> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>()

  on<K extends keyof Events>(event: K, fn: (...args: Events[K]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    const l = fn as unknown as Listener
    set.add(l)
    return () => void set.delete(l)
  }

  /** True when `event` has a listener: lets callers skip building what nobody would receive. */
  has<K extends keyof Events>(event: K): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.listeners.get(event)
    if (set === undefined || set.size === 0) return
    // A copy: a listener added while emitting hears the next event, not this one.
    for (const fn of [...set]) {
      try {
        fn(...args)
      } catch (e) {
        // A listener's bug must not break sync; surface it asynchronously.
        queueMicrotask(() => {
          throw e
        })
      }
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}
