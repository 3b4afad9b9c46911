import { nearestRegionTransport } from './nearest-region-transport.js'
import { type ServerUrls, isNearestRegions, urlRotation } from './server-urls.js'
import type { CloseInfo, Connection, Transport, TransportHandlers } from './types.js'

/** The part of the WebSocket API we use; the browser's and `ws`'s both have it. */
interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code?: number; reason?: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

export interface WebSocketTransportOptions {
  /** A WebSocket implementation; default: the host's global, else `ws` (Node). */
  WebSocket?: WebSocketConstructor
}

const OPEN = 1

/** Resolved lazily on first connect: a browser global, else the `ws` package. */
async function resolveWebSocket(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  if (global) return global
  const mod = await import('ws')
  return mod.WebSocket as unknown as WebSocketConstructor
}

/**
 * A transport over WebSocket binary frames. Picks the implementation at
 * connect time, so importing this module never touches browser globals.
 * Given several URLs (the nodes of a cluster) it moves to the next one after
 * every failed attempt or dropped connection, so a dead node is left at once.
 *
 * @example
 * const transport = webSocketTransport('wss://sync.example.com')
 * const failover = webSocketTransport(['wss://a.example.com/sync', 'wss://b.example.com/sync'])
 */
export function webSocketTransport(urls: ServerUrls, options: WebSocketTransportOptions = {}): Transport {
  if (isNearestRegions(urls)) return nearestRegionTransport({ ...urls, transportFor: (url) => webSocketTransport(url, options) })
  let ctor: Promise<WebSocketConstructor> | undefined
  const rotation = urlRotation(urls)
  return {
    connect(handlers: TransportHandlers): Connection {
      let socket: WebSocketLike | undefined
      let done = false
      const url = rotation.current()
      const finish = (info: CloseInfo): void => {
        if (done) return
        done = true
        rotation.moveOn()
        handlers.onClose(info)
      }
      ctor ??= options.WebSocket ? Promise.resolve(options.WebSocket) : resolveWebSocket()
      ctor.then(
        (WS) => {
          if (done) return
          try {
            socket = new WS(url)
          } catch (e) {
            finish({ reason: `cannot open ${url}: ${e instanceof Error ? e.message : String(e)}` })
            return
          }
          // `ws` (Node) defaults to 'nodebuffer': each message arrives as a Buffer viewing the
          // socket's read chunk, which we keep as is; asking for an ArrayBuffer would copy every
          // message. Browsers default to 'blob', which would need an async read.
          if (socket.binaryType !== 'nodebuffer') socket.binaryType = 'arraybuffer'
          socket.onopen = () => !done && handlers.onOpen()
          socket.onmessage = (ev) => {
            if (done) return
            const d = ev.data
            // A plain Uint8Array either way (a Buffer's slice() would not copy).
            if (d instanceof ArrayBuffer) handlers.onMessage(new Uint8Array(d))
            else if (ArrayBuffer.isView(d)) handlers.onMessage(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))
            // Text frames are not part of the protocol: ignored.
          }
          socket.onerror = () => undefined // always followed by close
          socket.onclose = (ev) => finish({ ...(ev.code !== undefined && { code: ev.code }), reason: ev.reason || 'closed' })
        },
        (e: unknown) => finish({ reason: `no WebSocket implementation: ${e instanceof Error ? e.message : String(e)}` }),
      )
      return {
        send(frame) {
          if (!done && socket?.readyState === OPEN) socket.send(frame)
        },
        close() {
          done = true
          try {
            socket?.close(1000, 'client closed')
          } catch {
            // closing a socket that never opened
          }
        },
      }
    },
  }
}
