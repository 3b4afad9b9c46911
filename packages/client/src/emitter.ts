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

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) {
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
