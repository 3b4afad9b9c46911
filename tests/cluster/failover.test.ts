import { randomBytes } from 'node:crypto'
import { createClient, memoryStorage } from '@weft/client'
import { NatsBus, PostgresStore, type WeftServer, createServer } from '@weft/server'
import { createTestDatabase } from '@weft/server/testing'
import { describe, expect, it } from 'vitest'
import { eventually } from '../server/helpers/doc-client.js'

const NATS_URL = process.env.WEFT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222'

describe('client fail-over between nodes', () => {
  it('createClient({ url: [a, b] }) moves to another node when its node is gone; nothing in its outbox is lost or doubled', async () => {
    const db = await createTestDatabase()
    const prefix = `weft_test_${randomBytes(4).toString('hex')}`
    const nodes: WeftServer[] = []
    for (const id of ['a', 'b']) {
      const store = await PostgresStore.open({ url: db.url, poolSize: 2 })
      nodes.push(await createServer({ port: 0, logLevel: 'silent', store, nodeId: id, bus: await NatsBus.connect({ url: NATS_URL, node: id, prefix }) }))
    }
    const [a, b] = nodes as [WeftServer, WeftServer]
    const writer = createClient({ url: [a.wsUrl, b.wsUrl], storage: memoryStorage(), tabs: false, online: false, backoff: { baseMs: 20, maxMs: 100 } })
    const reader = createClient({ url: b.wsUrl, storage: memoryStorage(), tabs: false, online: false })
    try {
      const w = writer.doc('fo:1')
      const r = reader.doc('fo:1')
      await Promise.all([w.ready, r.ready])
      await eventually(() => expect(w.status.connection).toBe('synced'))
      const list = w.doc.getList('items')
      for (let i = 0; i < 20; i++) list.push(`w${i}`)
      await w.whenSaved('server')
      // Whichever node the writer is on goes away; it keeps writing meanwhile.
      const mine = nodes.find((n) => n.loadedDocs().includes('fo:1') && n !== b) ?? b
      const closing = mine.close()
      for (let i = 20; i < 40; i++) list.push(`w${i}`)
      await closing
      const survivor = mine === a ? b : a
      await w.whenSaved('server')
      await eventually(() => expect(survivor.loadedDocs()).toContain('fo:1'))
      const expected = Array.from({ length: 40 }, (_, i) => `w${i}`)
      // A reader on the surviving node sees every write exactly once.
      const fresh = createClient({ url: survivor.wsUrl, storage: memoryStorage(), tabs: false, online: false })
      try {
        const f = fresh.doc('fo:1')
        await f.ready
        await eventually(() => expect([...(f.doc.getList('items').toJSON() as string[])].sort()).toEqual([...expected].sort()), 10_000)
      } finally {
        await fresh.close()
      }
      if (mine !== b) await eventually(() => expect((r.doc.getList('items').toJSON() as string[]).length).toBe(40))
    } finally {
      await writer.close()
      await reader.close()
      for (const n of nodes) await n.close()
      await db.drop()
    }
  })
})
