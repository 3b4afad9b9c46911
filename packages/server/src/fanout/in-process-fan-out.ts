import type { FanOut } from './fan-out.js'

/** {@link FanOut} within one process. A throwing listener does not stop delivery to the others. */
export class InProcessFanOut<T> implements FanOut<T> {
  private readonly listeners = new Map<string, Set<(event: T) => void>>()

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  subscribe(doc: string, listener: (event: T) => void): () => void {
    let set = this.listeners.get(doc)
    if (!set) {
      set = new Set()
      this.listeners.set(doc, set)
    }
    // Wrap so the same function subscribed twice gets two deliveries and two unsubscribes.
    const entry = (event: T) => listener(event)
    set.add(entry)
    return () => {
      const s = this.listeners.get(doc)
      if (!s) return
      s.delete(entry)
      if (s.size === 0) this.listeners.delete(doc)
    }
  }

  publish(doc: string, event: T): void {
    const set = this.listeners.get(doc)
    if (!set) return
    for (const listener of [...set]) {
      try {
        listener(event)
      } catch (error) {
        this.onListenerError(error)
      }
    }
  }

  /** Docs with at least one subscriber (for tests and metrics). */
  get docCount(): number {
    return this.listeners.size
  }
}
