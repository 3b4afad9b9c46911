import type { Transport } from '@weft/client'

/**
 * Wraps a transport with a network switch and a record of what the client
 * sent: `setOnline(false)` cuts open connections and fails new ones, as a
 * pulled cable does.
 */
export function switchableTransport(inner: Transport): {
  transport: Transport
  setOnline(online: boolean): void
  readonly sent: Uint8Array[]
} {
  let online = true
  const live = new Set<() => void>()
  const sent: Uint8Array[] = []
  const transport: Transport = {
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
        send: (f) => {
          if (cut) return
          sent.push(f)
          conn.send(f)
        },
        close: () => {
          cut = true
          live.delete(drop)
          conn.close()
        },
      }
    },
  }
  return {
    transport,
    sent,
    setOnline(v) {
      online = v
      if (!v) for (const d of [...live]) d()
    },
  }
}
