import { createClient, memoryStorage, webSocketTransport, type Client } from '@weft/client'
import { CloseCode, signAccessToken } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from '../client/helpers/until.js'
import { RawClient } from './helpers/raw-client.js'
import { type ServerProcess, startServerProcess } from './helpers/server-process.js'
import { tempDb } from './helpers/temp-server.js'

// Item 12 of issue #15, against the real CLI process: a token stops working at its `exp`.
const secret = 'expiry-secret'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('[AUTH-2] an expired token on an open connection', () => {
  let proc: ServerProcess | undefined
  let db: ReturnType<typeof tempDb> | undefined
  let client: Client | undefined
  afterEach(async () => {
    await client?.close()
    proc?.child.kill('SIGKILL')
    await proc?.exited
    db?.cleanup()
  })

  it('[AUTH-2] closes the connection at exp with the auth close code; a write after exp is never acked', async () => {
    db = tempDb()
    proc = await startServerProcess(['--db', db.path], { WEFT_JWT_SECRET: secret })
    const token = await signAccessToken(secret, { sub: 'u1', docs: { '*': 'write' }, expiresInSeconds: 2 })
    const c = await RawClient.hello(proc.wsUrl, token)
    const synced = c.next((m) => m.type === 'sync')
    c.send({ type: 'subscribe', doc: 'exp:1', vv: {} })
    await synced
    // exp is whole seconds: the token lapses within 1-2 s; 4 s after it the connection must be gone.
    await sleep(6_000)
    if (!c.isClosed) {
      const { Doc } = await import('@weft/crdt-core')
      const d = new Doc()
      let delta: Uint8Array | undefined
      d.on('delta', (b) => (delta = b))
      d.getText('t').insert(0, 'late')
      c.send({ type: 'delta', doc: 'exp:1', seq: 1, delta: delta! })
      await sleep(500)
    }
    expect(c.received.some((m) => m.type === 'ack')).toBe(false)
    expect(await c.closed).toBe(CloseCode.unauthorized)
    expect(c.received.at(-1)).toMatchObject({ type: 'error', code: 'unauthorized' })
  }, 20_000)

  it('[AUTH-2] a client with a token function gets a fresh token and keeps syncing past exp', async () => {
    db = tempDb()
    proc = await startServerProcess(['--db', db.path], { WEFT_JWT_SECRET: secret })
    let issued = 0
    client = createClient({
      transport: webSocketTransport(proc.wsUrl),
      storage: memoryStorage(),
      tabs: false,
      online: false,
      backoff: { baseMs: 20, maxMs: 200 },
      token: () => {
        issued++
        return signAccessToken(secret, { sub: 'u1', docs: { '*': 'write' }, expiresInSeconds: 2 })
      },
    })
    const h = client.doc('exp:2')
    await h.ready
    h.doc.getText('t').insert(0, 'before ')
    await h.whenSaved('server')
    await sleep(4_000)
    h.doc.getText('t').insert(7, 'after')
    await h.whenSaved('server')
    expect(issued).toBeGreaterThan(1)
    const reader = await RawClient.hello(proc.wsUrl, await signAccessToken(secret, { sub: 'u2', docs: { '*': 'read' } }))
    const sync = reader.next((m) => m.type === 'sync')
    reader.send({ type: 'subscribe', doc: 'exp:2', vv: {} })
    const reply = await sync
    const { Doc } = await import('@weft/crdt-core')
    const d = new Doc()
    if (reply.type === 'sync') d.applyDelta(reply.delta)
    expect(d.getText('t').toString()).toBe('before after')
    reader.close()
    await until(() => h.status.connection === 'synced', 'synced again')
  }, 20_000)
})
