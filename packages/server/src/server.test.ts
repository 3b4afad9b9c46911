import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessage } from '@weft/crdt-core'
import { WebSocket } from 'ws'
import { CloseCode } from './connection/close-codes.js'
import { createServer, type WeftServer } from './server.js'
import { MemoryStore } from './store/memory-store.js'
import { StoreClosedError } from './store/store-closed-error.js'

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
}

function captureLogger() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean))
      cb()
    },
  })
  return { logger: pino({ level: 'info' }, stream), lines }
}

describe('createServer (socket limits and HTTP)', () => {
  let server: WeftServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('serves /healthz and /metrics on the bound port', async () => {
    server = await createServer({ port: 0, logLevel: 'silent' })
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const health = await fetch(`${server.url}/healthz`)
    expect(await health.json()).toMatchObject({ ok: true, connections: 0 })
    const ws = await openSocket(server.wsUrl)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toContain('weft_connections 1')
    expect(metrics).toContain('weft_connections_total 1')
    ws.close()
  })

  it('[PRES-6] peer ids are not reused across nodes or restarts: each server counts from its own random start', async () => {
    const welcomed = async (s: WeftServer): Promise<number> => {
      const ws = await openSocket(s.wsUrl)
      const frame = new Promise<Uint8Array>((resolve) => ws.once('message', (d: Buffer) => resolve(new Uint8Array(d))))
      ws.send(encodeMessage({ type: 'hello', token: '', clientName: 'pres-6' }))
      const m = decodeMessage(await frame)
      ws.close()
      if (m.type !== 'welcome') throw new Error(`expected welcome, got ${m.type}`)
      return m.peerId
    }
    const ids: number[] = []
    for (let i = 0; i < 3; i++) {
      server = await createServer({ port: 0, logLevel: 'silent', store: new MemoryStore() })
      ids.push(await welcomed(server))
      await server.close()
      server = undefined
    }
    expect(new Set(ids).size, `peer ids ${ids.join(', ')}`).toBe(3)
  })

  it('logs one loud line in open mode and none with a JWT secret', async () => {
    const open = captureLogger()
    server = await createServer({ port: 0, logger: open.logger })
    expect(open.lines.filter((l) => l.includes('OPEN DEV MODE'))).toHaveLength(1)
    await server.close()
    const jwt = captureLogger()
    server = await createServer({ port: 0, logger: jwt.logger, jwtSecret: 's3cret' })
    expect(jwt.lines.filter((l) => l.includes('OPEN DEV MODE'))).toHaveLength(0)
  })

  it('fails to start on a taken port and releases its store', async () => {
    server = await createServer({ port: 0, logLevel: 'silent' })
    const store = new MemoryStore()
    await expect(createServer({ port: server.port, logLevel: 'silent', store })).rejects.toThrow(/EADDRINUSE/)
    await expect(store.listDocs()).rejects.toThrow(StoreClosedError)
  })

  it('refuses upgrades on other paths', async () => {
    server = await createServer({ port: 0, logLevel: 'silent' })
    await expect(openSocket(`${server.wsUrl.replace('/sync', '/nope')}`)).rejects.toThrow()
  })

  it('closes an oversized frame with 1009 and stays up', async () => {
    server = await createServer({ port: 0, logLevel: 'silent', limits: { maxFrameBytes: 1024 } })
    const ws = await openSocket(server.wsUrl)
    const closed = closeCode(ws)
    ws.send(new Uint8Array(2048))
    expect(await closed).toBe(CloseCode.tooBig)
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('closes a socket that sends no hello in time', async () => {
    server = await createServer({ port: 0, logLevel: 'silent', limits: { helloTimeoutMs: 50 } })
    const ws = await openSocket(server.wsUrl)
    expect(await closeCode(ws)).toBe(CloseCode.timeout)
  })

  it('answers an undecodable frame with a typed error, then closes', async () => {
    server = await createServer({ port: 0, logLevel: 'silent' })
    const ws = await openSocket(server.wsUrl)
    const frames: Buffer[] = []
    ws.on('message', (d: Buffer) => frames.push(d))
    const closed = closeCode(ws)
    ws.send(new Uint8Array([1, 250, 3]))
    expect(await closed).toBe(CloseCode.badFrame)
    expect(frames.map((f) => decodeMessage(new Uint8Array(f)))).toMatchObject([{ type: 'error', code: 'bad-frame' }])
  })

  it('closes a flood with the rate-limit code and counts it', async () => {
    server = await createServer({ port: 0, logLevel: 'silent', limits: { maxMessagesPerSecond: 20 } })
    const ws = await openSocket(server.wsUrl)
    const closed = closeCode(ws)
    ws.send(encodeMessage({ type: 'hello', token: '', clientName: 'flood' }))
    for (let i = 0; i < 100; i++) ws.send(encodeMessage({ type: 'ping' }))
    expect(await closed).toBe(CloseCode.rateLimited)
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('weft_errors_total{code="rate-limited"} 1')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('close() sends 1001 to clients, refuses new ones, and is idempotent', async () => {
    server = await createServer({ port: 0, logLevel: 'silent' })
    const ws = await openSocket(server.wsUrl)
    const closed = closeCode(ws)
    const url = server.wsUrl
    await Promise.all([server.close(), server.close()])
    expect(await closed).toBe(CloseCode.goingAway)
    await expect(openSocket(url)).rejects.toThrow()
    server = undefined
  })
})
