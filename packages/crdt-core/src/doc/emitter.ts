/** A minimal typed event emitter (synchronous; a throwing listener does not stop the others). */
export class Emitter<Events extends Record<string, unknown[]>> {
  private readonly listeners: { [K in keyof Events]?: Array<(...args: Events[K]) => void> } = {}

  // Listener arrays are replaced, never mutated, so emit can iterate one
  // without copying it even when a listener unsubscribes mid-emit.
  on<K extends keyof Events>(event: K, fn: (...args: Events[K]) => void): () => void {
    this.listeners[event] = [...(this.listeners[event] ?? []), fn]
    return () => this.off(event, fn)
  }

  off<K extends keyof Events>(event: K, fn: (...args: Events[K]) => void): void {
    const list = this.listeners[event]
    if (!list) return
    const i = list.indexOf(fn)
    if (i >= 0) this.listeners[event] = list.filter((_, j) => j !== i)
  }

  has(event: keyof Events): boolean {
    return (this.listeners[event]?.length ?? 0) > 0
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const list = this.listeners[event]
    if (!list || list.length === 0) return
    let failure: unknown
    for (const fn of list) {
      try {
        fn(...args)
      } catch (e) {
        failure ??= e
      }
    }
    // Listeners run to completion; the first error surfaces afterwards.
    if (failure !== undefined) throw failure
  }
}
