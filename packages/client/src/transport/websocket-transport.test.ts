import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { until } from '../test-support/until.js'
import { webSocketTransport } from './websocket-transport.js'

let server: WebSocketServer | undefined
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  server = undefined
})

describe('webSocketTransport (ws in Node)', () => {
  it('carries binary frames both ways and reports the close', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((r) => server?.on('listening', () => r()))
    const port = (server.address() as { port: number }).port
    server.on('connection', (ws) => {
      ws.on('message', (data: Buffer) => {
        ws.send(Buffer.concat([data, Buffer.from([0xff])]))
        if (data[0] === 9) ws.close(4000, 'bye')
      })
    })
    const frames: Uint8Array[] = []
    let opened = false
    let closed: { code?: number; reason: string } | undefined
    const conn = webSocketTransport(`ws://127.0.0.1:${port}`).connect({
      onOpen: () => (opened = true),
      onMessage: (f) => frames.push(f),
      onClose: (info) => (closed = info),
    })
    await until(() => opened, 'open')
    conn.send(new Uint8Array([1, 2]))
    await until(() => frames.length === 1, 'echo')
    expect(frames[0]).toEqual(new Uint8Array([1, 2, 0xff]))
    expect(frames[0]).toBeInstanceOf(Uint8Array)
    conn.send(new Uint8Array([9]))
    await until(() => closed !== undefined, 'close')
    expect(closed).toEqual({ code: 4000, reason: 'bye' })
  })

  it('hands over frames that stay intact after later frames arrive (ws Buffers are kept, not copied)', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((r) => server?.on('listening', () => r()))
    const port = (server.address() as { port: number }).port
    // Sent back to back, so several frames may share one socket read.
    server.on('connection', (ws) => {
      for (let i = 1; i <= 20; i++) ws.send(new Uint8Array([i, i, i]))
    })
    const frames: Uint8Array[] = []
    const conn = webSocketTransport(`ws://127.0.0.1:${port}`).connect({
      onOpen: () => undefined,
      onMessage: (f) => frames.push(f),
      onClose: () => undefined,
    })
    await until(() => frames.length === 20, 'twenty frames')
    conn.close()
    frames.forEach((f, i) => expect(f).toEqual(new Uint8Array([i + 1, i + 1, i + 1])))
    // Plain Uint8Arrays, not Buffers: storage relies on slice-free copies of them.
    expect(frames.every((f) => !Buffer.isBuffer(f))).toBe(true)
  })

  it('reports a refused connection as a close', async () => {
    let closed = false
    webSocketTransport('ws://127.0.0.1:1').connect({
      onOpen: () => undefined,
      onMessage: () => undefined,
      onClose: () => (closed = true),
    })
    await until(() => closed, 'close after refusal')
  })
})

describe('webSocketTransport picks its WebSocket at connect time', () => {
  it('uses a global WebSocket when the host has one (browsers), read at connect, not at import', async () => {
    const made: string[] = []
    class FakeWebSocket {
      binaryType = 'blob'
      readyState = 0
      onopen: ((ev: unknown) => void) | null = null
      onmessage: ((ev: { data: unknown }) => void) | null = null
      onclose: ((ev: { code?: number; reason?: string }) => void) | null = null
      onerror: ((ev: unknown) => void) | null = null
      constructor(url: string) {
        made.push(url)
        queueMicrotask(() => this.onclose?.({ code: 1006, reason: '' }))
      }
      send(): void {}
      close(): void {}
    }
    const g = globalThis as { WebSocket?: unknown }
    const before = g.WebSocket
    const transport = webSocketTransport('ws://example.invalid/sync') // created before the global exists
    g.WebSocket = FakeWebSocket
    try {
      let closed: { code?: number; reason: string } | undefined
      transport.connect({ onOpen: () => undefined, onMessage: () => undefined, onClose: (i) => (closed = i) })
      await until(() => closed !== undefined, 'close')
      expect(made).toEqual(['ws://example.invalid/sync'])
      expect(closed).toEqual({ code: 1006, reason: 'closed' })
    } finally {
      if (before === undefined) delete g.WebSocket
      else g.WebSocket = before
    }
  })
})
