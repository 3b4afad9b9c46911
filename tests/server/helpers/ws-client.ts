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
  once(event: 'close', listener: (code: number, reason: Buffer) => void): this
  once(event: 'error', listener: (error: Error) => void): this
}

const WebSocketImpl: new (url: string) => TestSocket = WebSocket

/** Opens a socket and resolves once connected. */
export function openSocket(url: string): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocketImpl(url)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Resolves with the close code. */
export function closeCode(ws: TestSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
}
