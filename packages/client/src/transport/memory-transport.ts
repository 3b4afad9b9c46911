import type { CloseInfo, Connection, Transport, TransportHandlers } from './types.js'

/** The server's end of an in-memory connection. */
export interface MemoryPeer {
  send(frame: Uint8Array): void
  close(reason?: string): void
  onMessage(fn: (frame: Uint8Array) => void): void
  onClose(fn: () => void): void
  readonly closed: boolean
}

/**
 * An in-memory network for tests: `transport` is the client side; `accept`
 * installs the server side. Frames are delivered asynchronously and in order;
 * `online = false` makes new connections fail and drops open ones.
 */
export class MemoryNetwork {
  online = true
  /** Frames sent by clients, for byte accounting in tests. */
  readonly sent: Uint8Array[] = []
  private acceptFn: ((peer: MemoryPeer) => void) | undefined
  private readonly live = new Set<() => void>()
  connects = 0

  accept(fn: (peer: MemoryPeer) => void): void {
    this.acceptFn = fn
  }

  /** Cut every open connection (a network drop). */
  dropAll(): void {
    for (const drop of [...this.live]) drop()
  }

  setOnline(online: boolean): void {
    this.online = online
    if (!online) this.dropAll()
  }

  readonly transport: Transport = {
    connect: (h: TransportHandlers): Connection => {
      this.connects++
      let open = false
      let callerClosed = false
      let ended = false
      const serverHandlers: ((f: Uint8Array) => void)[] = []
      const serverClose: (() => void)[] = []
      const later = (fn: () => void): void => void Promise.resolve().then(fn)
      const end = (info: CloseInfo): void => {
        if (ended) return
        ended = true
        open = false
        this.live.delete(drop)
        later(() => serverClose.forEach((f) => f()))
        if (!callerClosed) later(() => h.onClose(info))
      }
      const drop = (): void => end({ reason: 'network dropped' })
      const peer: MemoryPeer = {
        send: (frame) => later(() => open && !callerClosed && h.onMessage(frame)),
        close: (reason) => end({ code: 1000, reason: reason ?? 'server closed' }),
        onMessage: (fn) => void serverHandlers.push(fn),
        onClose: (fn) => void serverClose.push(fn),
        get closed() {
          return ended
        },
      }
      later(() => {
        if (callerClosed) return
        if (!this.online || !this.acceptFn) {
          end({ reason: 'unreachable' })
          return
        }
        this.live.add(drop)
        open = true
        this.acceptFn(peer)
        h.onOpen()
      })
      return {
        send: (frame) => {
          if (!open) return
          this.sent.push(frame)
          later(() => open && serverHandlers.forEach((f) => f(frame)))
        },
        close: () => {
          callerClosed = true
          end({ reason: 'client closed' })
        },
      }
    },
  }
}
