import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, refusePostgresAppends, type TestDatabase } from '../test-support/postgres-test-database.js'
import { runStoreContract } from '../store/store-contract.js'
import { ShardedStore } from './sharded-store.js'

async function threeDatabases() {
  const [catalog, a, b] = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()])
  const shards: Record<string, TestDatabase> = { a, b }
  const open = () => ShardedStore.open({ catalogUrl: catalog.url, shards: { a: a.url, b: b.url }, poolSize: 3 })
  const drop = () => Promise.all([catalog.drop(), a.drop(), b.drop()]).then(() => {})
  return { catalog, shards, open, drop }
}

// The suite wants an empty store per test: three databases made once (CREATE DATABASE costs about a second on a
// busy server) and emptied before each test.
const shared = { dbs: undefined as Promise<Awaited<ReturnType<typeof threeDatabases>>> | undefined }
afterAll(async () => {
  await (await shared.dbs)?.drop()
})

/** The shared databases, emptied (shards' rows, the whole catalog). */
async function emptyDatabases() {
  shared.dbs ??= threeDatabases()
  const dbs = await shared.dbs
  const empty =
    'DO $$ BEGIN IF to_regclass($q$weft_docs$q$) IS NOT NULL THEN TRUNCATE weft_docs, weft_deltas, weft_snapshots, weft_doc_replicas, weft_shard_fences; END IF; IF to_regclass($q$weft_audit_findings$q$) IS NOT NULL THEN TRUNCATE weft_audit_findings; END IF; END $$'
  await Promise.all(Object.values(dbs.shards).map((db) => db.admin(empty)))
  await dbs.catalog.admin('DROP TABLE IF EXISTS weft_shard_map, weft_shard_placements, weft_2pc_log, weft_catalog_schema')
  return dbs
}

runStoreContract('ShardedStore (two shards and a catalog, databases of their own on the local server)', async () => {
  const dbs = await emptyDatabases()
  const store = await dbs.open()
  return {
    store,
    reopen: dbs.open,
    openAnother: dbs.open,
    // The refusal goes to the shard the doc is routed to.
    refuseAppends: (doc) => refusePostgresAppends(dbs.shards[store.route(doc)] as TestDatabase, doc),
  }
})

describe('ShardedStore routing', () => {
  it('spreads docs over the hash shards by rendezvous, each doc whole on its shard, and honours explicit placements', async () => {
    const dbs = await emptyDatabases()
    const store = await dbs.open()
    try {
      const docs = Array.from({ length: 40 }, (_, i) => `note:${i}`)
      await Promise.all(docs.map((d) => store.append(d, { bytes: new Uint8Array([1]), ranges: [] })))
      const count = async (db: TestDatabase) => Number((await db.admin('SELECT count(DISTINCT doc)::int AS n FROM weft_deltas')).rows[0].n)
      const [na, nb] = [await count(dbs.shards.a!), await count(dbs.shards.b!)]
      expect(na + nb).toBe(40)
      expect(Math.min(na, nb)).toBeGreaterThan(5)
      for (const d of docs) {
        const there = await dbs.shards[store.route(d)]!.admin('SELECT count(*)::int AS n FROM weft_deltas WHERE doc = $1', [d])
        expect(there.rows[0].n).toBe(1)
      }
      // An explicit placement wins over the hash, once the router has the new map.
      const doc = 'placed:1'
      const other = store.route(doc) === 'a' ? 'b' : 'a'
      const version = await store.catalog.place(doc, other)
      expect(version).toBe(store.currentMap.version + 1)
      await store.refreshMap()
      expect(store.route(doc)).toBe(other)
      await store.append(doc, { bytes: new Uint8Array([2]), ranges: [] })
      expect((await dbs.shards[other]!.admin('SELECT count(*)::int AS n FROM weft_deltas WHERE doc = $1', [doc])).rows[0].n).toBe(1)
      expect(await store.listDocs()).toEqual([...docs, doc].sort())
    } finally {
      await store.close()
    }
  })

  it('refuses to open when the map names a shard it was not given', async () => {
    const dbs = await emptyDatabases()
    const store = await dbs.open()
    await store.catalog.place('x', 'c')
    await store.close()
    await expect(dbs.open()).rejects.toThrow(/shard "c" is in the shard map but was not configured/)
  })
})
