import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js'
import { SqliteStore } from './sqlite-store.js'
import { runStoreContract } from './store-contract.js'
import { refuseSqliteAppends } from '../test-support/sqlite-faults.js'

runStoreContract('SqliteStore (file in a temp dir)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-store-'))
  const path = join(dir, 'weft.db')
  return {
    store: new SqliteStore({ path }),
    reopen: async () => new SqliteStore({ path }),
    openAnother: async () => new SqliteStore({ path }),
    refuseAppends: (doc) => refuseSqliteAppends(path, doc),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
})

describe('SqliteStore specifics', () => {
  let dir: string
  let path: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-store-'))
    path = join(dir, 'weft.db')
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('opens in WAL with synchronous=FULL and the latest schema version', async () => {
    const store = new SqliteStore({ path })
    await store.append('a', { bytes: new Uint8Array([1]), ranges: [] })
    expect(await store.integrityCheck()).toBe('ok')
    await store.close()
    const db = new Database(path, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length)
    db.close()
  })

  it('refuses a database from a newer server', () => {
    const db = new Database(path)
    db.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`)
    db.close()
    expect(() => new SqliteStore({ path })).toThrow(/newer/)
  })

  it('commits appends arriving within the window in one transaction, resolving after COMMIT', async () => {
    const store = new SqliteStore({ path, batchWindowMs: 5 })
    const batches: number[] = []
    store.onBatch = (n) => batches.push(n)
    const all = Promise.all(Array.from({ length: 40 }, (_, i) => store.append(`doc${i % 4}`, { bytes: new Uint8Array([i]), ranges: [] })))
    expect(batches).toEqual([])
    const seqs = await all
    expect(batches).toEqual([40])
    expect(seqs.slice(0, 4)).toEqual([1, 1, 1, 1])
    // Resolved means committed: another connection to the file sees every row.
    const other = new Database(path, { readonly: true })
    expect(other.prepare('SELECT COUNT(*) AS n FROM deltas').get()).toEqual({ n: 40 })
    other.close()
    await store.close()
  })

  it('with batchWindowMs 0 commits the appends of one event-loop turn together, and later ones apart', async () => {
    const store = new SqliteStore({ path, batchWindowMs: 0 })
    const batches: number[] = []
    store.onBatch = (n) => batches.push(n)
    const first = Array.from({ length: 10 }, (_, i) => store.append('a', { bytes: new Uint8Array([i]), ranges: [] }))
    await Promise.all(first)
    await store.append('a', { bytes: new Uint8Array([10]), ranges: [] })
    expect(batches).toEqual([10, 1])
    await store.close()
  })

  it('two stores on one file (two nodes) assign unique, dense seqs', async () => {
    const a = new SqliteStore({ path })
    const b = new SqliteStore({ path })
    const seqs = await Promise.all([
      ...Array.from({ length: 10 }, () => a.append('d', { bytes: new Uint8Array([1]), ranges: [] })),
      ...Array.from({ length: 10 }, () => b.append('d', { bytes: new Uint8Array([2]), ranges: [] })),
    ])
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect((await a.head('d')).seq).toBe(20)
    await a.close()
    await b.close()
  })

  it('flushes pending appends on close', async () => {
    const store = new SqliteStore({ path, batchWindowMs: 1000 })
    const p = store.append('a', { bytes: new Uint8Array([1]), ranges: [] })
    await store.close()
    expect(await p).toBe(1)
    const again = new SqliteStore({ path })
    expect((await again.head('a')).seq).toBe(1)
    await again.close()
  })
})
