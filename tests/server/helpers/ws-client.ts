import type { IncomingMessage } from 'node:http'
import { WebSocket } from 'ws'

/** The parts of a `ws` WebSocket these tests use. */
export interface TestSocket {
  readonly readyState: number
  readonly bufferedAmount: number
  send(data: Uint8Array | string): void
  close(code?: number, reason?: string): void
  terminate(): void
  pause(): void
  resume(): void
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this
  on(event: 'error', listener: (error: Error) => void): this
  once(event: 'open', listener: () => void): this
  once(event: 'upgrade', listener: (response: IncomingMessage) => void): this
  once(event: 'close', listener: (code: number, reason: Buffer) => void): this
  once(event: 'error', listener: (error: Error) => void): this
}

const WebSocketImpl: new (url: string) => TestSocket = WebSocket

/** Opens a socket and resolves once connected, with its local port (how a server's logs and a test's reports name a connection). */
export function openSocket(url: string): Promise<{ ws: TestSocket; localPort: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocketImpl(url)
    let localPort = 0
    ws.once('upgrade', (response) => {
      localPort = response.socket.localPort ?? 0
    })
    ws.once('open', () => resolve({ ws, localPort }))
    ws.once('error', reject)
  })
}

/** Resolves with the close code. */
export function closeCode(ws: TestSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
}
