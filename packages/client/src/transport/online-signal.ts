/** Hints that the network came back (or went away). Never trusted alone: reconnects keep backing off regardless. */
export interface OnlineSignal {
  subscribe(onOnline: () => void): () => void
}

/** The parts of a browser window that {@link browserOnlineSignal} listens to. */
export interface WindowEvents {
  addEventListener(type: string, fn: () => void): void
  removeEventListener(type: string, fn: () => void): void
  readonly document?: {
    readonly visibilityState?: string
    addEventListener(type: string, fn: () => void): void
    removeEventListener(type: string, fn: () => void): void
  }
}

/**
 * Moments worth a reconnect at once instead of waiting out the backoff: the
 * browser's `online` event, and the user coming back to the page (window
 * `focus`, the tab becoming visible). A restarted server is not a network
 * change, so only the second tells a waiting tab to try again now.
 * `undefined` where there is no window (Node). Reads globals when called, never at import.
 */
export function browserOnlineSignal(win: Partial<WindowEvents> = globalThis as Partial<WindowEvents>): OnlineSignal | undefined {
  const { addEventListener: add, removeEventListener: remove } = win
  if (typeof add !== 'function' || typeof remove !== 'function') return undefined
  const doc = win.document
  return {
    subscribe(onOnline) {
      const visible = (): void => {
        if (doc?.visibilityState === 'visible') onOnline()
      }
      add.call(win, 'online', onOnline)
      add.call(win, 'focus', onOnline)
      doc?.addEventListener('visibilitychange', visible)
      return () => {
        remove.call(win, 'online', onOnline)
        remove.call(win, 'focus', onOnline)
        doc?.removeEventListener('visibilitychange', visible)
      }
    },
  }
}
