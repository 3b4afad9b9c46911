/**
 * `weft-server shards`: an operator moves docs and rebalances from the command
 * line while a real server process serves them and a client types into them.
 * No acked edit is lost or doubled, every doc stays whole on one shard, a dry
 * run changes nothing, and bad input gets a message and exit code 2.
 */
import { execFile } from 'node:child_process'
import { createClient, memoryStorage, webSocketTransport, type Client } from '@weft/client'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { bundleCli } from '../cluster/harness/bundle-cli.js'
import { ClusterNode } from '../cluster/harness/cluster-node.js'
import { eventually } from '../server/helpers/doc-client.js'
import { type PgCluster, startPgCluster } from '../support/pg-cluster.js'

const env = { cluster: undefined as PgCluster | undefined, catalog: '', urls: {} as Record<string, string>, cli: '' }

beforeAll(async () => {
  const cluster = await startPgCluster()
  env.cluster = cluster
  env.catalog = await cluster.createDatabase('weft_catalog')
  for (const s of ['a', 'b', 'c']) env.urls[s] = await cluster.createDatabase(`weft_${s}`)
  env.cli = await bundleCli()
}, 120_000)

afterAll(async () => {
  await env.cluster?.destroy()
})

/** Runs the real CLI; resolves with its exit code and output. */
function shards(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [env.cli, 'shards', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

const shardFlags = (ids: readonly string[]) => ['--store', env.catalog, ...ids.flatMap((id) => ['--shard', `${id}=${env.urls[id]}`])]

/** Live docs on a shard (rows a move fenced off are the old copy, not the doc). */
async function docsOn(id: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: env.urls[id] })
  await c.connect()
  try {
    const fenced = await c.query("SELECT 1 FROM pg_tables WHERE tablename = 'weft_shard_fences'")
    const { rows } = await c.query<{ doc: string }>(
      fenced.rowCount
        ? 'SELECT doc FROM weft_docs d WHERE NOT EXISTS (SELECT 1 FROM weft_shard_fences f WHERE f.doc = d.doc) ORDER BY doc'
        : 'SELECT doc FROM weft_docs ORDER BY doc',
    )
    return rows.map((r) => r.doc)
  } finally {
    await c.end()
  }
}

it('moves a doc and rebalances onto a new shard while a client types: every acked edit kept once, docs whole on one shard', async () => {
  let node = new ClusterNode('sharded', [...shardFlags(['a', 'b']), '--store-pool', '2'], {}, env.cli)
  await node.start()
  const clients: Client[] = []
  const client = (url: string) => {
    const c = createClient({ transport: webSocketTransport(url), storage: memoryStorage(), tabs: false, backoff: { baseMs: 20, maxMs: 200 } })
    clients.push(c)
    return c
  }
  try {
    const writer = client(node.wsUrl)
    const names = Array.from({ length: 9 }, (_, i) => `note:${i}`)
    const handles = names.map((n) => writer.doc(n))
    await Promise.all(handles.map((h) => h.ready))
    handles.forEach((h, i) => h.doc.getText('body').insert(0, `edit ${i}.`))
    await Promise.all(handles.map((h) => h.whenSaved('server')))

    // Bad input: a message saying what to do, exit 2, nothing changed.
    const before = { a: await docsOn('a'), b: await docsOn('b') }
    expect(before.a.length + before.b.length).toBe(9)
    const noStore = await shards('list', '--shard', `a=${env.urls.a}`)
    expect(noStore.code).toBe(2)
    expect(noStore.stderr).toMatch(/--store \(or WEFT_STORE\) is required/)
    const unknown = await shards('move', 'note:0', 'zz', ...shardFlags(['a', 'b']))
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/unknown shard "zz": the shards given are a, b/)
    const noDoc = await shards('move', 'note:missing', 'a', ...shardFlags(['a', 'b']))
    expect(noDoc.code).toBe(2)
    expect(noDoc.stderr).toMatch(/doc "note:missing" not found/)
    const noDocJson = await shards('move', 'note:missing', 'a', '--json', ...shardFlags(['a', 'b']))
    expect(noDocJson.code).toBe(2)
    expect(JSON.parse(noDocJson.stderr)).toEqual({ error: expect.stringMatching(/doc "note:missing" not found/), exit: 2 })
    // An unreachable catalog is not bad input (exit 1), but says what to fix.
    const down = await shards('list', '--store', 'postgres://127.0.0.1:1/weft_catalog', '--shard', 'a=postgres://127.0.0.1:1/weft_a')
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(/cannot open the catalog and shards: .*127\.0\.0\.1:1.*cannot be reached\. Start PostgreSQL/)
    expect(await shards('frobnicate', ...shardFlags(['a', 'b']))).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) })

    // A move while the client types into the doc.
    const doc = 'note:0'
    const from = before.a.includes(doc) ? 'a' : 'b'
    const to = from === 'a' ? 'b' : 'a'
    let typing = true
    let typed = 0
    const typist = (async () => {
      while (typing) {
        handles[0]?.doc.getText('body').insert(0, 'x')
        typed++
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
    await new Promise((r) => setTimeout(r, 200))
    const moved = await shards('move', doc, to, ...shardFlags(['a', 'b']))
    expect(moved.stderr).toBe('')
    expect(moved.code).toBe(0)
    expect(moved.stdout).toMatch(new RegExp(`^moved note:0 ${from} -> ${to} \\(\\d+ deltas copied\\)`))
    await new Promise((r) => setTimeout(r, 200))
    typing = false
    await typist
    await handles[0]?.whenSaved('server')
    expect(await docsOn(to)).toContain(doc)
    expect(await docsOn(from)).not.toContain(doc)

    // A third shard: the servers are given it first, then rebalance spreads the docs over a, b and c.
    const port = Number(new URL(node.wsUrl).port)
    await node.stop()
    node = new ClusterNode('sharded', [...shardFlags(['a', 'b', 'c']), '--store-pool', '2'], {}, env.cli, { port })
    await node.start()
    const listed = await shards('list', '--json', ...shardFlags(['a', 'b', 'c']))
    expect(listed.code).toBe(0)
    const map = JSON.parse(listed.stdout.trim()) as { hashShards: string[]; shards: { shard: string; docs: number }[] }
    expect(map.hashShards).toEqual(['a', 'b'])
    expect(map.shards.find((s) => s.shard === 'c')?.docs).toBe(0)

    const held = { a: await docsOn('a'), b: await docsOn('b'), c: await docsOn('c') }
    const dry = await shards('rebalance', '--dry-run', ...shardFlags(['a', 'b', 'c']))
    expect(dry.code).toBe(0)
    const planned = [...dry.stdout.matchAll(/^ {2}(\S+): (\w) -> (\w)$/gm)].map((m) => ({ doc: m[1], from: m[2], to: m[3] }))
    // The fewest moves to even shards out: each shard's docs past the mean (3) leave it, none more.
    expect(planned.length).toBe(Object.values(held).reduce((n, docs) => n + Math.max(0, docs.length - 3), 0))
    expect(planned.filter((m) => m.to === 'c')).toHaveLength(3)
    expect({ a: await docsOn('a'), b: await docsOn('b'), c: await docsOn('c') }, 'a dry run changes nothing').toEqual(held)

    // The client goes on typing through the rebalance.
    typing = true
    const typist2 = (async () => {
      while (typing) {
        for (const h of handles) h.doc.getText('body').insert(0, 'y')
        typed++
        await new Promise((r) => setTimeout(r, 10))
      }
    })()
    const done = await shards('rebalance', ...shardFlags(['a', 'b', 'c']))
    typing = false
    await typist2
    expect(done.stderr).toBe('')
    expect(done.code).toBe(0)
    expect(done.stdout.trim().split('\n')).toHaveLength(planned.length)
    expect(done.stdout).toMatch(new RegExp(`^\\[1/${planned.length}\\] moved \\S+ \\w -> \\w`))
    const after = { a: await docsOn('a'), b: await docsOn('b'), c: await docsOn('c') }
    expect([...after.a, ...after.b, ...after.c].sort(), 'every doc whole on exactly one shard').toEqual([...names].sort())
    for (const m of planned) expect(after[m.to as 'a' | 'b' | 'c'], `${m.doc} on ${m.to} as planned`).toContain(m.doc)
    expect(Object.values(after).map((d) => d.length)).toEqual([3, 3, 3])
    // Resumable: run again, nothing left to do.
    expect((await shards('rebalance', ...shardFlags(['a', 'b', 'c']))).stdout).toMatch(/^balanced: nothing to move/)
    expect(await shards('recover', ...shardFlags(['a', 'b', 'c']))).toMatchObject({
      code: 0,
      stdout: 'recovery: 0 committed, 0 rolled back, 0 left for a later pass\n',
    })

    // Every acked edit, once: a fresh client reads what the writer has.
    await Promise.all(handles.map((h) => h.whenSaved('server')))
    const reader = client(node.wsUrl)
    const read = names.map((n) => reader.doc(n))
    await eventually(() => read.forEach((h, i) => expect(h.doc.getText('body').toString()).toBe(handles[i]?.doc.getText('body').toString())), 30_000)
    expect(typed).toBeGreaterThan(10)
    expect(read[0]?.doc.getText('body').toString()).toMatch(/^[xy]+edit 0\.$/)
  } catch (error) {
    console.log(node.logs().slice(-20).join('\n'))
    throw error
  } finally {
    for (const c of clients) await c.close()
    await node.stop()
  }
}, 240_000)
