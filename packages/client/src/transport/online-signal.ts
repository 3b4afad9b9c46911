/** Hints that the network came back (or went away). Never trusted alone: reconnects keep backing off regardless. */
export interface OnlineSignal {
  subscribe(onOnline: () => void): () => void
}

/**
 * The browser's `online` event, or `undefined` where there is none (Node).
 * Reads globals when called, never at import.
 */
export function browserOnlineSignal(): OnlineSignal | undefined {
  const g = globalThis as {
    addEventListener?: (type: string, fn: () => void) => void
    removeEventListener?: (type: string, fn: () => void) => void
  }
  const add = g.addEventListener
  const remove = g.removeEventListener
  if (typeof add !== 'function' || typeof remove !== 'function') return undefined
  return {
    subscribe(onOnline) {
      add.call(globalThis, 'online', onOnline)
      return () => remove.call(globalThis, 'online', onOnline)
    },
  }
}
