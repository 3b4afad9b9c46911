import { browserOnlineSignal, type OnlineSignal } from './online-signal.js'
import type { Transport } from './types.js'

/**
 * A transport behind a switch: offline cuts open connections and fails new
 * ones, like a pulled cable. Apps use it for an "Offline" toggle; tests use
 * it to cut one client's network.
 *
 * @example
 * const net = offlineSwitch(webSocketTransport(url))
 * const client = createClient({ transport: net.transport, online: net.online })
 * net.setOffline(true)   // edits keep working locally; sync resumes on setOffline(false)
 */
export interface OfflineSwitch {
  readonly transport: Transport
  /** Tells the client to reconnect at once when the switch goes back online (instead of waiting out its backoff). */
  readonly online: OnlineSignal
  readonly offline: boolean
  setOffline(offline: boolean): void
  subscribe(fn: () => void): () => void
}

export function offlineSwitch(inner: Transport): OfflineSwitch {
  let offline = false
  const cuts = new Set<() => void>()
  const onOnline = new Set<() => void>()
  const listeners = new Set<() => void>()

  const transport: Transport = {
    connect(h) {
      if (offline) {
        let cancelled = false
        queueMicrotask(() => !cancelled && h.onClose({ reason: 'offline switch' }))
        return { send: () => undefined, close: () => void (cancelled = true) }
      }
      let cut = false
      const conn = inner.connect({
        onOpen: () => !cut && h.onOpen(),
        onMessage: (f) => !cut && h.onMessage(f),
        onClose: (info) => {
          cuts.delete(drop)
          if (!cut) h.onClose(info)
        },
      })
      const drop = (): void => {
        if (cut) return
        cut = true
        cuts.delete(drop)
        conn.close()
        h.onClose({ reason: 'offline switch' })
      }
      cuts.add(drop)
      return {
        send: (f) => !cut && conn.send(f),
        close: () => {
          cut = true
          cuts.delete(drop)
          conn.close()
        },
      }
    },
  }

  return {
    transport,
    online: {
      // The switch going back on, and the browser's own hints (online, focus, visible) while the switch is on.
      subscribe(fn) {
        onOnline.add(fn)
        const offBrowser = browserOnlineSignal()?.subscribe(() => {
          if (!offline) fn()
        })
        return () => {
          onOnline.delete(fn)
          offBrowser?.()
        }
      },
    },
    get offline() {
      return offline
    },
    setOffline(next) {
      if (next === offline) return
      offline = next
      if (offline) for (const drop of [...cuts]) drop()
      else for (const fn of [...onOnline]) fn()
      for (const fn of [...listeners]) fn()
    },
    subscribe(fn) {
      listeners.add(fn)
      return () => void listeners.delete(fn)
    },
  }
}
