import { CloseCode, type WeftServer, signAccessToken } from '@weft/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DocClient } from './helpers/doc-client.js'
import { RawClient } from './helpers/raw-client.js'
import { startServer, tempDb } from './helpers/temp-server.js'

const secret = 'integration-secret'
const token = (docs: Record<string, 'read' | 'write'>, expiresInSeconds = 60, key = secret) => signAccessToken(key, { sub: 'u1', docs, expiresInSeconds })

describe('JWT auth against a real server', () => {
  let db: ReturnType<typeof tempDb>
  let server: WeftServer
  beforeEach(async () => {
    db = tempDb()
    server = await startServer(db.path, { jwtSecret: secret })
  })
  afterEach(async () => {
    await server.close()
    db.cleanup()
  })

  it('[HELLO-2] a forged token is refused with unauthorized and closed', async () => {
    const c = await RawClient.connect(server.wsUrl)
    c.send({ type: 'hello', token: await token({ '*': 'write' }, 60, 'wrong-secret'), clientName: 't' })
    expect(await c.closed).toBe(CloseCode.unauthorized)
    expect(c.received).toMatchObject([{ type: 'error', code: 'unauthorized' }])
  })

  it('[HELLO-2] an expired token is refused, saying so', async () => {
    const c = await RawClient.connect(server.wsUrl)
    c.send({ type: 'hello', token: await token({ '*': 'write' }, -5), clientName: 't' })
    expect(await c.closed).toBe(CloseCode.unauthorized)
    expect(c.received[0]).toMatchObject({ type: 'error', code: 'unauthorized' })
    expect(c.received[0]?.type === 'error' && c.received[0].message).toContain('expired-token')
  })

  it('[HELLO-2] no token at all is refused', async () => {
    const c = await RawClient.connect(server.wsUrl)
    c.send({ type: 'hello', token: '', clientName: 't' })
    expect(await c.closed).toBe(CloseCode.unauthorized)
  })

  it('[AUTH-1] a token for doc A opens A but not B; nothing of B is sent or loaded', async () => {
    const writer = new DocClient('note:B')
    const open = await startServer(db.path)
    await writer.connect(open.wsUrl)
    writer.edit((d) => d.getText('t').insert(0, 'secret'))
    await writer.acked()
    writer.close()
    await open.close()

    const c = await RawClient.hello(server.wsUrl, await token({ 'note:A': 'write' }))
    const a = c.next((m) => m.type === 'sync')
    c.send({ type: 'subscribe', doc: 'note:A', vv: {} })
    await a
    const refused = c.next((m) => m.type === 'error')
    c.send({ type: 'subscribe', doc: 'note:B', vv: {} })
    expect(await refused).toMatchObject({ code: 'forbidden', doc: 'note:B' })
    expect(c.received.some((m) => m.type !== 'error' && 'doc' in m && m.doc === 'note:B')).toBe(false)
    expect(c.isClosed).toBe(false)
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { docsLoaded: number }
    expect(health.docsLoaded).toBe(1)
    c.close()
  })

  it('[AUTH-1] [PRES-1] a principal without access sees no presence of the doc', async () => {
    const a = await RawClient.hello(server.wsUrl, await token({ 'room:A': 'write' }))
    const synced = a.next((m) => m.type === 'sync')
    a.send({ type: 'subscribe', doc: 'room:A', vv: {} })
    await synced
    const outsider = await RawClient.hello(server.wsUrl, await token({ 'room:B': 'write' }))
    const refused = outsider.next((m) => m.type === 'error')
    outsider.send({ type: 'subscribe', doc: 'room:A', vv: {} })
    await refused
    a.send({ type: 'presence', doc: 'room:A', peerId: 0, state: { cursor: 3 } })
    const spoof = outsider.next((m) => m.type === 'error')
    outsider.send({ type: 'presence', doc: 'room:A', peerId: 0, state: { cursor: 9 } })
    expect(await spoof).toMatchObject({ code: 'not-subscribed', doc: 'room:A' })
    const pong = outsider.next((m) => m.type === 'pong')
    outsider.send({ type: 'ping' })
    await pong
    expect(outsider.received.filter((m) => m.type === 'presence')).toEqual([])
    expect(a.received.filter((m) => m.type === 'presence')).toEqual([])
    a.close()
    outsider.close()
  })

  it('[AUTH-1] a read-only principal reads but its deltas are refused and not stored', async () => {
    const w = new DocClient('public:1')
    await w.connect(server.wsUrl, await token({ 'public:*': 'write' }))
    w.edit((d) => d.getMap('m').set('a', 1))
    await w.acked()

    const r = new DocClient('public:1')
    await r.connect(server.wsUrl, await token({ 'public:*': 'read' }))
    expect(r.doc.toJSON()).toEqual({ m: { a: 1 } })
    const refused = r.raw.next((m) => m.type === 'error')
    r.edit((d) => d.getMap('m').set('b', 2))
    expect(await refused).toMatchObject({ code: 'read-only', doc: 'public:1' })
    expect((await server.store.head('public:1')).seq).toBe(1)
    w.close()
    r.close()
  })
})
