/**
 * `weft-server --store CATALOG --shard a=URL --shard b=URL`: the real CLI
 * process over a ShardedStore. Docs written by real clients spread whole over
 * the two shard databases; killed with -9 and restarted, the server still
 * has every acked edit.
 */
import { createClient, memoryStorage, webSocketTransport } from '@weft/client'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { bundleCli } from '../cluster/harness/bundle-cli.js'
import { ClusterNode } from '../cluster/harness/cluster-node.js'
import { eventually } from '../server/helpers/doc-client.js'
import { createTempDatabase, type TempDatabase } from '../support/pg-database.js'

const dbs: TempDatabase[] = []
beforeAll(async () => {
  for (let i = 0; i < 3; i++) dbs.push(await createTempDatabase())
}, 60_000)
afterAll(async () => {
  await Promise.allSettled(dbs.map((d) => d.drop()))
})

async function docsOn(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const { rows } = await c.query<{ doc: string }>('SELECT DISTINCT doc FROM weft_deltas ORDER BY doc')
    return rows.map((r) => r.doc)
  } finally {
    await c.end()
  }
}

it('the CLI with --shard spreads docs whole over the shards and keeps every acked edit across a kill -9', async () => {
  const [catalog, a, b] = dbs as [TempDatabase, TempDatabase, TempDatabase]
  const node = new ClusterNode(
    'sharded',
    ['--store', catalog.url, '--shard', `a=${a.url}`, '--shard', `b=${b.url}`, '--store-pool', '2'],
    {},
    await bundleCli(),
  )
  const client = () => createClient({ transport: webSocketTransport(node.wsUrl), storage: memoryStorage(), tabs: false, backoff: { baseMs: 20, maxMs: 200 } })
  await node.start()
  const writer = client()
  try {
    const names = Array.from({ length: 12 }, (_, i) => `note:${i}`)
    const handles = names.map((n) => writer.doc(n))
    await Promise.all(handles.map((h) => h.ready))
    handles.forEach((h, i) => h.doc.getText('body').insert(0, `edit ${i}`))
    await Promise.all(handles.map((h) => h.whenSaved('server')))

    const onA = await docsOn(a.url)
    const onB = await docsOn(b.url)
    expect([...onA, ...onB].sort(), 'every doc on exactly one shard').toEqual([...names].sort())
    expect(onA.filter((d) => onB.includes(d))).toEqual([])
    expect(onA.length > 0 && onB.length > 0, `both shards used: a ${onA.length}, b ${onB.length}`).toBe(true)
    expect(await docsOn(catalog.url).catch(() => []), 'the catalog holds the map, not the docs').toEqual([])

    await node.kill()
    await node.start()
    const reader = client()
    try {
      const read = names.map((n) => reader.doc(n))
      await eventually(() => read.forEach((h, i) => expect(h.doc.getText('body').toString()).toBe(`edit ${i}`)), 30_000)
    } finally {
      await reader.close()
    }
  } catch (error) {
    console.log(node.logs().slice(-20).join('\n'))
    throw error
  } finally {
    await writer.close()
    await node.stop()
  }
}, 180_000)
