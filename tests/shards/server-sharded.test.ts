/**
 * A Weft server over a ShardedStore: real clients over WebSockets write to
 * several docs, each doc lands whole on one shard, and a doc moved to another
 * shard while the clients keep editing stays in sync (the server's appends
 * are re-routed by the store; a fresh client loads every edit).
 */
import { createClient, memoryStorage, webSocketTransport } from '@weft/client'
import { ShardedStore, ShardMover, createServer } from '@weft/server'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { eventually } from '../server/helpers/doc-client.js'
import { type PgCluster, startPgCluster } from '../support/pg-cluster.js'

const env = { cluster: undefined as PgCluster | undefined, catalogUrl: '', urls: {} as Record<string, string> }

beforeAll(async () => {
  const cluster = await startPgCluster()
  env.cluster = cluster
  env.catalogUrl = await cluster.createDatabase('weft_catalog')
  for (const s of ['a', 'b']) env.urls[s] = await cluster.createDatabase(`weft_${s}`)
}, 120_000)

afterAll(async () => {
  await env.cluster?.destroy()
})

it('[SHARD-1] a server over two shards: docs spread whole over the shards; a doc moved while clients edit keeps every edit', async () => {
  const store = await ShardedStore.open({ catalogUrl: env.catalogUrl, shards: env.urls, poolSize: 3 })
  const server = await createServer({ port: 0, logLevel: 'silent', store })
  const client = () => createClient({ transport: webSocketTransport(server.wsUrl), storage: memoryStorage(), tabs: false, backoff: { baseMs: 20, maxMs: 200 } })
  const [c1, c2] = [client(), client()]
  try {
    const names = Array.from({ length: 6 }, (_, i) => `note:${i}`)
    const h1 = names.map((n) => c1.doc(n))
    const h2 = names.map((n) => c2.doc(n))
    await Promise.all([...h1, ...h2].map((h) => h.ready))
    h1.forEach((h, i) => h.doc.getText('body').insert(0, `one ${i}. `))
    await Promise.all(h1.map((h) => h.whenSaved('server')))
    await eventually(() => h2.forEach((h, i) => expect(h.doc.getText('body').toString()).toBe(`one ${i}. `)))
    // Each doc whole on the shard the map names, nowhere else.
    for (const n of names) {
      for (const [id, s] of store.shards) {
        const { rows } = await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM weft_deltas WHERE doc = $1', [n])
        expect(rows[0]?.n ? id : undefined).toBe(rows[0]?.n ? store.route(n) : undefined)
      }
    }
    expect(new Set(names.map((n) => store.route(n))).size).toBe(2)

    // Move note:0 while both clients keep typing into it.
    const doc = 'note:0'
    const from = store.route(doc)
    const to = from === 'a' ? 'b' : 'a'
    let typing = true
    const typed = (async () => {
      for (let i = 0; typing; i++) {
        ;(i % 2 ? h1 : h2)[0]?.doc.getText('body').insert(0, 'x')
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
    await new Promise((r) => setTimeout(r, 100))
    const moved = await new ShardMover(store).move({ doc, to })
    await new Promise((r) => setTimeout(r, 100))
    typing = false
    await typed
    expect(moved).toMatchObject({ from, to })
    await Promise.all([h1[0]?.whenSaved('server'), h2[0]?.whenSaved('server')])
    await eventually(() => expect(h1[0]?.doc.getText('body').toString()).toBe(h2[0]?.doc.getText('body').toString()))
    expect(store.route(doc)).toBe(to)
    // A fresh client, through the server (reading the new shard), gets every edit.
    const c3 = client()
    try {
      const h3 = c3.doc(doc)
      await h3.ready
      await eventually(() => expect(h3.doc.getText('body').toString()).toBe(h1[0]?.doc.getText('body').toString()))
      expect(h3.doc.getText('body').toString()).toMatch(/^x+one 0\. $/)
    } finally {
      await c3.close()
    }
  } finally {
    await c1.close()
    await c2.close()
    await server.close()
    await store.close()
  }
}, 120_000)
