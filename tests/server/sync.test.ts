import { Doc } from '@weft/crdt-core'
import type { WeftServer } from '@weft/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DocClient, eventually } from './helpers/doc-client.js'
import { RawClient } from './helpers/raw-client.js'
import { startServer, tempDb } from './helpers/temp-server.js'

describe('sync over a real server (ws on loopback, SQLite file)', () => {
  let db: ReturnType<typeof tempDb>
  let server: WeftServer | undefined
  const clients: DocClient[] = []
  const client = (id: string, doc?: Doc) => {
    const c = new DocClient(id, doc)
    clients.push(c)
    return c
  }
  beforeEach(() => {
    db = tempDb()
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await server?.close()
    server = undefined
    db.cleanup()
  })

  it('[FAN-1] two clients converge', async () => {
    server = await startServer(db.path)
    const a = client('note:1')
    const b = client('note:1')
    await a.connect(server.wsUrl)
    await b.connect(server.wsUrl)
    a.edit((d) => d.getText('body').insert(0, 'hello '))
    b.edit((d) => d.getMap('meta').set('title', 'greeting'))
    a.edit((d) => d.getText('body').insert(6, 'world'))
    await Promise.all([a.acked(), b.acked()])
    await eventually(() => {
      expect(b.doc.toJSON()).toEqual(a.doc.toJSON())
      expect(b.doc.digest()).toBe(a.doc.digest())
    })
    expect(a.doc.toJSON()).toEqual({ body: 'hello world', meta: { title: 'greeting' } })
    expect((await server.store.head('note:1')).seq).toBe(3)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toContain('weft_deltas_in_total 3')
    expect(metrics).toContain('weft_deltas_out_total 3')
    expect(metrics).toContain('weft_ack_latency_seconds_count 3')
    expect(metrics).toContain('weft_docs_loaded 1')
    expect(metrics).toMatch(/weft_bytes_in_total [1-9]/)
  })

  it('[SYNC-2] a late joiner gets exactly what it lacks; an up-to-date one gets nothing', async () => {
    server = await startServer(db.path)
    const a = client('note:2')
    await a.connect(server.wsUrl)
    a.edit((d) => d.getText('body').insert(0, 'x'.repeat(2000)))
    await a.acked()
    // c holds the first part already (as if it synced before and went offline).
    const cDoc = Doc.load(a.doc.encodeState())
    a.edit((d) => d.getText('body').insert(0, 'new'))
    await a.acked()
    const c = client('note:2', cDoc)
    const reply = await c.connect(server.wsUrl)
    expect(reply.delta.length).toBeGreaterThan(0)
    expect(reply.delta.length).toBeLessThan(200) // only the 3 new chars, not the 2000 it has
    expect(c.doc.toJSON()).toEqual(a.doc.toJSON())
    const d = client('note:2', Doc.load(a.doc.encodeState()))
    expect((await d.connect(server.wsUrl)).delta.length).toBe(0)
  })

  it('[STORE-1] [ACK-2] a restart loses nothing that was acked', async () => {
    server = await startServer(db.path)
    const a = client('note:3')
    await a.connect(server.wsUrl)
    for (let i = 0; i < 20; i++) a.edit((d) => d.getList('items').push(i))
    await a.acked()
    a.close()
    await server.close()
    server = await startServer(db.path)
    const b = client('note:3')
    await b.connect(server.wsUrl)
    expect(b.doc.getList('items').toArray()).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(b.doc.digest()).toBe(a.doc.digest())
  })

  it('compacts a long log in the background; fresh and behind clients still get what they lack', async () => {
    server = await startServer(db.path, { compactionThreshold: 20, compactionKeepTail: 5 })
    const a = client('note:4')
    await a.connect(server.wsUrl)
    for (let i = 0; i < 10; i++) a.edit((d) => d.getCounter('n').increment(1))
    await a.acked()
    const behind = Doc.load(a.doc.encodeState())
    for (let i = 0; i < 40; i++) a.edit((d) => d.getCounter('n').increment(1))
    await a.acked()
    await eventually(async () => expect(await server!.store.readSnapshot('note:4')).toBeDefined())
    await eventually(async () => expect(await server!.store.logLength('note:4')).toBeLessThan(25))
    expect(await server.metrics.registry.getSingleMetricAsString('weft_compactions_total')).toMatch(/weft_compactions_total [1-9]/)
    await server.close()
    server = await startServer(db.path)
    const fresh = client('note:4')
    await fresh.connect(server.wsUrl)
    expect(fresh.doc.getCounter('n').value).toBe(50)
    const late = client('note:4', behind)
    await late.connect(server.wsUrl)
    expect(late.doc.getCounter('n').value).toBe(50)
    expect(late.doc.digest()).toBe(a.doc.digest())
  })

  it('[STORE-1] a second server on the same SQLite file continues the same log (nothing only in memory)', async () => {
    server = await startServer(db.path)
    const other = await startServer(db.path)
    try {
      const a = client('shared:1')
      await a.connect(server.wsUrl)
      a.edit((d) => d.getText('t').insert(0, 'from A'))
      await a.acked()
      const b = client('shared:1')
      await b.connect(other.wsUrl)
      expect(b.doc.toJSON()).toEqual({ t: 'from A' })
      b.edit((d) => d.getText('t').insert(0, 'B+'))
      await b.acked()
      // Seqs are assigned from the store, not from either process's memory.
      expect(await other.store.head('shared:1')).toMatchObject({ seq: 2 })
      expect((await server.store.readAfterSeq('shared:1', 0)).map((d) => d.seq)).toEqual([1, 2])
    } finally {
      await other.close()
    }
  })

  it('memory stays bounded while many docs are opened and closed on one connection', async () => {
    server = await startServer(db.path, { limits: { maxMessagesPerSecond: 100_000 } })
    const c = await RawClient.hello(server.wsUrl)
    for (let i = 0; i < 1000; i++) {
      const synced = c.next((m) => m.type === 'sync')
      c.send({ type: 'subscribe', doc: `many:${i}`, vv: {} })
      await synced
      c.send({ type: 'unsubscribe', doc: `many:${i}` })
    }
    const pong = c.next((m) => m.type === 'pong')
    c.send({ type: 'ping' })
    await pong
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { docsLoaded: number }
    expect(health.docsLoaded).toBe(0)
    c.close()
  })

  it('[DIG-2] [DIG-3] a digest mismatch at equal version vectors is healed and counted', async () => {
    server = await startServer(db.path)
    const a = client('heal:1')
    await a.connect(server.wsUrl)
    a.edit((d) => d.getMap('m').set('k', 1))
    await a.acked()
    const heal = a.raw.next((m) => m.type === 'heal')
    a.raw.send({ type: 'digest', doc: 'heal:1', vv: a.doc.versionVector(), hash: '00'.repeat(16) })
    const healed = await heal
    expect(healed.type === 'heal' && healed.state.length).toBeGreaterThan(0)
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('weft_divergences_healed_total 1')
  })

  it('unloads a doc when its last subscriber leaves', async () => {
    server = await startServer(db.path)
    for (let i = 0; i < 30; i++) {
      const c = client(`doc:${i}`)
      await c.connect(server.wsUrl)
      c.edit((d) => d.getMap('m').set('i', i))
      await c.acked()
      c.close()
    }
    await eventually(async () => expect(((await (await fetch(`${server!.url}/healthz`)).json()) as { docsLoaded: number }).docsLoaded).toBe(0))
    expect((await server.store.listDocs()).length).toBe(30)
  })
})
