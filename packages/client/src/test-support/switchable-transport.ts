import type { Transport } from '../transport/types.js'

/** Wraps a transport with a per-client network switch: off cuts open connections and fails new ones. */
export function switchableTransport(inner: Transport): { transport: Transport; setOnline(online: boolean): void } {
  let online = true
  const live = new Set<() => void>()
  return {
    setOnline(v) {
      online = v
      if (!v) for (const d of [...live]) d()
    },
    transport: {
      connect(h) {
        if (!online) {
          let cancelled = false
          queueMicrotask(() => !cancelled && h.onClose({ reason: 'network down' }))
          return { send: () => undefined, close: () => void (cancelled = true) }
        }
        let cut = false
        const conn = inner.connect({
          onOpen: () => !cut && h.onOpen(),
          onMessage: (f) => !cut && h.onMessage(f),
          onClose: (info) => {
            live.delete(drop)
            if (!cut) h.onClose(info)
          },
        })
        const drop = (): void => {
          if (cut) return
          cut = true
          live.delete(drop)
          conn.close()
          h.onClose({ reason: 'network down' })
        }
        live.add(drop)
        return {
          send: (f) => !cut && conn.send(f),
          close: () => {
            cut = true
            live.delete(drop)
            conn.close()
          },
        }
      },
    },
  }
}
