/** A broadcast channel between tabs of one origin (BroadcastChannel in browsers and Node). */
export interface TabChannel {
  post(message: unknown): void
  onMessage(fn: (message: unknown) => void): () => void
  close(): void
}

/** Opens the channel named `name`; injectable so tests (and other runtimes) can supply their own. */
export type TabChannelFactory = (name: string) => TabChannel

/**
 * Channels over the host's `BroadcastChannel`, or `undefined` where there is
 * none. Reads the global when called, never at import.
 */
export function broadcastChannelFactory(): TabChannelFactory | undefined {
  const BC = (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel
  if (!BC) return undefined
  return (name) => {
    const ch = new BC(name)
    const listeners = new Set<(m: unknown) => void>()
    ch.onmessage = (ev: MessageEvent) => {
      for (const fn of listeners) fn(ev.data)
    }
    return {
      post: (m) => ch.postMessage(m),
      onMessage: (fn) => {
        listeners.add(fn)
        return () => void listeners.delete(fn)
      },
      close: () => {
        listeners.clear()
        ch.close()
      },
    }
  }
}
