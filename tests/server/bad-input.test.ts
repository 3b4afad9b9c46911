import { Doc, encodeMessage, seededRandom } from '@weft/crdt-core'
import { CloseCode, type WeftServer } from '@weft/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DocClient, eventually } from './helpers/doc-client.js'
import { RawClient } from './helpers/raw-client.js'
import { startServer, tempDb } from './helpers/temp-server.js'

const SEED = Number(process.env.WEFT_SEED ?? 0x5eed)

describe('bad input never stores anything, never hurts other clients, never stops the server', () => {
  let db: ReturnType<typeof tempDb>
  let server: WeftServer
  let bystander: DocClient
  beforeEach(async () => {
    db = tempDb()
    server = await startServer(db.path, { limits: { maxFrameBytes: 64 * 1024, maxMessagesPerSecond: 200 } })
    bystander = new DocClient('note:ok')
    await bystander.connect(server.wsUrl)
    bystander.edit((d) => d.getText('t').insert(0, 'safe'))
    await bystander.acked()
  })
  afterEach(async () => {
    bystander.close()
    await server.close()
    db.cleanup()
  })

  /** The bystander still round-trips through the server and nothing but its doc is stored. */
  async function assertUnharmed(): Promise<void> {
    const watcher = new DocClient('note:ok')
    await watcher.connect(server.wsUrl)
    bystander.edit((d) => d.getText('t').insert(0, '!'))
    await bystander.acked()
    await eventually(() => expect(watcher.doc.toJSON()).toEqual(bystander.doc.toJSON()))
    watcher.close()
    expect(await server.store.listDocs()).toEqual(['note:ok'])
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  }

  it(`[FRAME-3] [ERR-2] random frames (seed ${SEED}) get a typed error and a close`, async () => {
    const rand = seededRandom(SEED)
    for (let i = 0; i < 30; i++) {
      const c = await RawClient.hello(server.wsUrl)
      const len = 1 + Math.floor(rand() * 64)
      const frame = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256))
      if (rand() < 0.5) frame[0] = 1 // right protocol version, garbage after it
      c.sendRaw(frame)
      const code = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(-1), 2000))])
      // A random frame that happens to decode as a valid message (rare) may leave the socket open.
      if (code !== -1) expect([CloseCode.badFrame, CloseCode.unsupportedVersion]).toContain(code)
      c.close()
    }
    await assertUnharmed()
  })

  it(`[ACK-1] mutated valid delta frames (seed ${SEED}) store nothing invalid`, async () => {
    const rand = seededRandom(SEED + 1)
    const src = new DocClient('note:ok')
    src.edit((d) => d.getMap('m').set('k', 'v'))
    const delta = [...src.outbox.values()][0]!
    for (let i = 0; i < 20; i++) {
      const c = await RawClient.hello(server.wsUrl)
      const sync = c.next((m) => m.type === 'sync' || m.type === 'error')
      c.send({ type: 'subscribe', doc: 'mut:1', vv: {} })
      await sync
      const bytes = delta.slice()
      const at = Math.floor(rand() * bytes.length)
      bytes[at] = (bytes[at]! + 1 + Math.floor(rand() * 255)) % 256
      c.send({ type: 'delta', doc: 'mut:1', seq: 1, delta: bytes })
      await Promise.race([c.closed, c.next((m) => m.type === 'ack'), new Promise((r) => setTimeout(r, 1000))])
      c.close()
    }
    // A mutation may still decode into a valid delta; what got stored must load into a doc.
    const check = new Doc()
    for (const d of await server.store.readAfterSeq('mut:1', 0)) check.applyDelta(d.bytes)
    expect(check.pendingCount).toBe(0)
    const probe = new DocClient('mut:1')
    await probe.connect(server.wsUrl)
    expect(probe.doc.digest()).toBe(check.digest())
    probe.close()
    bystander.edit((d) => d.getText('t').insert(0, '!'))
    await bystander.acked()
  })

  it('[LIM-1] an oversized frame closes with 1009 (ws maxPayload, before decoding)', async () => {
    const c = await RawClient.hello(server.wsUrl)
    c.sendRaw(new Uint8Array(100 * 1024))
    expect(await c.closed).toBe(CloseCode.tooBig)
    await assertUnharmed()
  })

  it('[ERR-2] unknown message types are bad frames', async () => {
    const c = await RawClient.hello(server.wsUrl)
    const err = c.next((m) => m.type === 'error')
    c.sendRaw(new Uint8Array([1, 99, 0, 0]))
    expect(await err).toMatchObject({ type: 'error', code: 'bad-frame' })
    expect(await c.closed).toBe(CloseCode.badFrame)
    await assertUnharmed()
  })

  it('[HELLO-1] a frame before hello is unauthorized', async () => {
    const c = await RawClient.connect(server.wsUrl)
    c.send({ type: 'subscribe', doc: 'note:x', vv: {} })
    expect(await c.closed).toBe(CloseCode.unauthorized)
    await assertUnharmed()
  })

  it('[LIM-1] a flood of messages is rate-limited and closed', async () => {
    const c = await RawClient.hello(server.wsUrl)
    const ping = encodeMessage({ type: 'ping' })
    for (let i = 0; i < 1000; i++) c.sendRaw(ping)
    expect(await c.closed).toBe(CloseCode.rateLimited)
    expect(c.received.some((m) => m.type === 'error' && m.code === 'rate-limited')).toBe(true)
    await assertUnharmed()
  })

  it('[LIM-1] [ERR-1] subscriptions past maxDocsPerConnection are refused; the connection stays', async () => {
    await server.close()
    server = await startServer(db.path, { limits: { maxDocsPerConnection: 3 } })
    bystander = new DocClient('note:ok')
    await bystander.connect(server.wsUrl)
    const c = await RawClient.hello(server.wsUrl)
    for (let i = 0; i < 3; i++) {
      const ok = c.next((m) => m.type === 'sync')
      c.send({ type: 'subscribe', doc: `many:${i}`, vv: {} })
      await ok
    }
    const refused = c.next((m) => m.type === 'error')
    c.send({ type: 'subscribe', doc: 'many:3', vv: {} })
    expect(await refused).toMatchObject({ code: 'too-many-docs', doc: 'many:3' })
    const pong = c.next((m) => m.type === 'pong')
    c.send({ type: 'ping' })
    await pong
    c.close()
  })

  it('[ERR-1] a delta for a doc not subscribed is refused and not stored', async () => {
    const c = await RawClient.hello(server.wsUrl)
    const err = c.next((m) => m.type === 'error')
    const src = new DocClient('x')
    src.edit((d) => d.getMap('m').set('k', 1))
    c.send({ type: 'delta', doc: 'note:other', seq: 1, delta: [...src.outbox.values()][0]! })
    expect(await err).toMatchObject({ code: 'not-subscribed', doc: 'note:other' })
    c.close()
    await assertUnharmed()
  })
})
