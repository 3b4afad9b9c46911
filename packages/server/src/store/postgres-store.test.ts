import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase, refusePostgresAppends, type TestDatabase } from '../test-support/postgres-test-database.js'
import { POSTGRES_MIGRATIONS, SchemaTooNewError } from './postgres-migrations.js'
import { PostgresStore } from './postgres-store.js'
import { runStoreContract } from './store-contract.js'

runStoreContract('PostgresStore (a database of its own on the local server)', async () => {
  const db = await createTestDatabase()
  const open = () => PostgresStore.open({ url: db.url, poolSize: 3 })
  return {
    store: await open(),
    reopen: open,
    openAnother: open,
    refuseAppends: (doc) => refusePostgresAppends(db, doc),
    cleanup: () => db.drop(),
  }
})

describe('PostgresStore specifics', () => {
  let db: TestDatabase
  beforeEach(async () => {
    db = await createTestDatabase()
  })
  afterEach(async () => {
    await db.drop()
  })

  it('group-commits: appends made while a transaction runs share the next one, each resolving after its COMMIT', async () => {
    const store = await PostgresStore.open({ url: db.url })
    const batches: number[] = []
    store.onBatch = (n) => batches.push(n)
    const seqs = await Promise.all(Array.from({ length: 100 }, (_, i) => store.append(`d${i % 4}`, { bytes: new Uint8Array([i]), ranges: [] })))
    expect(seqs.slice(0, 8)).toEqual([1, 1, 1, 1, 2, 2, 2, 2])
    expect(batches.reduce((a, b) => a + b, 0)).toBe(100)
    expect(batches.length).toBeLessThan(10)
    // Resolved means committed: another connection sees every row.
    expect((await db.admin('SELECT count(*)::int AS n FROM weft_deltas')).rows[0]).toEqual({ n: 100 })
    await store.close()
  })

  it('survives its connections being terminated (pg_terminate_backend): a write in flight fails, the next ones work', async () => {
    const store = await PostgresStore.open({ url: db.url, poolSize: 2 })
    await store.append('a', { bytes: new Uint8Array([1]), ranges: [] })
    await db.admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name])
    // The pool notices the dead connections when it next uses them; at most a few appends fail.
    let seq = 0
    for (let i = 0; i < 5 && seq === 0; i++) {
      seq = await store.append('a', { bytes: new Uint8Array([2]), ranges: [] }).catch(() => 0)
      await new Promise((r) => setImmediate(r))
    }
    expect(seq).toBe(2)
    expect((await store.load('a')).deltas.map((d) => d.seq)).toEqual([1, 2])
    await store.close()
  })

  it('refuses a database migrated by a newer server, and migrates nodes starting together once', async () => {
    const [a, b] = await Promise.all([PostgresStore.open({ url: db.url }), PostgresStore.open({ url: db.url })])
    await Promise.all([a.close(), b.close()])
    await db.admin('UPDATE weft_schema SET version = $1', [POSTGRES_MIGRATIONS.length + 1])
    await expect(PostgresStore.open({ url: db.url })).rejects.toBeInstanceOf(SchemaTooNewError)
  })
})
