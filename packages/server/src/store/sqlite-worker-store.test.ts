import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js'
import { SqliteWorkerError, SqliteWorkerStore } from './sqlite-worker-store.js'
import { StoreClosedError } from './store-closed-error.js'
import { runStoreContract } from './store-contract.js'
import { refuseSqliteAppends } from '../test-support/sqlite-faults.js'

runStoreContract('SqliteWorkerStore (worker thread, file in a temp dir)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-wstore-'))
  const path = join(dir, 'weft.db')
  return {
    store: await SqliteWorkerStore.open({ path }),
    reopen: () => SqliteWorkerStore.open({ path }),
    openAnother: () => SqliteWorkerStore.open({ path }),
    refuseAppends: (doc) => refuseSqliteAppends(path, doc),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
})

const one = (b: number) => ({ bytes: new Uint8Array([b]), ranges: [] })
const settled = (p: Promise<unknown>): { done: boolean } => {
  const s = { done: false }
  p.then(
    () => (s.done = true),
    () => (s.done = true),
  )
  return s
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('SqliteWorkerStore specifics', () => {
  let dir: string
  let path: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-wstore-'))
    path = join(dir, 'weft.db')
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('[ACK-2] an append resolves only after its COMMIT, and the event loop runs while the commit waits', async () => {
    const store = await SqliteWorkerStore.open({ path })
    await store.append('warm', one(0))
    // Another connection holds the write lock: the worker's COMMIT must wait for it.
    const holder = new Database(path)
    holder.prepare('BEGIN IMMEDIATE').run()
    const appended = store.append('a', one(1))
    const state = settled(appended)
    let ticks = 0
    const ticker = setInterval(() => ticks++, 5)
    await sleep(200)
    clearInterval(ticker)
    expect(state.done).toBe(false)
    expect(ticks).toBeGreaterThan(3)
    const other = new Database(path, { readonly: true })
    expect(other.prepare("SELECT COUNT(*) AS n FROM deltas WHERE doc = 'a'").get()).toEqual({ n: 0 })
    holder.prepare('COMMIT').run()
    holder.close()
    expect(await appended).toBe(1)
    // Resolved means committed: another connection to the file sees the row.
    expect(other.prepare("SELECT COUNT(*) AS n FROM deltas WHERE doc = 'a'").get()).toEqual({ n: 1 })
    other.close()
    await store.close()
  })

  it('groups the appends of one task into one transaction and reports it', async () => {
    const store = await SqliteWorkerStore.open({ path, batchWindowMs: 5 })
    const batches: number[] = []
    store.onBatch = (n) => batches.push(n)
    const seqs = await Promise.all(Array.from({ length: 40 }, (_, i) => store.append(`doc${i % 4}`, one(i))))
    expect(seqs.slice(0, 8)).toEqual([1, 1, 1, 1, 2, 2, 2, 2])
    expect(batches).toEqual([40])
    await store.close()
  })

  it('refuses a database from a newer server when opening', async () => {
    const db = new Database(path)
    db.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`)
    db.close()
    const opened = SqliteWorkerStore.open({ path })
    await expect(opened).rejects.toBeInstanceOf(SqliteWorkerError)
    await expect(opened).rejects.toThrow(/newer/)
  })

  it('rebuilds errors as the classes callers test for', async () => {
    const store = await SqliteWorkerStore.open({ path })
    await store.append('a', one(1))
    const snapshot = { seq: 5, vv: {}, bytes: new Uint8Array([1]) }
    await expect(store.writeSnapshot('a', snapshot)).rejects.toBeInstanceOf(RangeError)
    await store.close()
    await expect(store.append('a', one(2))).rejects.toBeInstanceOf(StoreClosedError)
    await expect(store.load('a')).rejects.toBeInstanceOf(StoreClosedError)
  })

  it('[STORE-2] when a COMMIT fails, appends of that doc issued before the failure was seen fail too', async () => {
    const store = await SqliteWorkerStore.open({ path })
    await store.append('warm', one(0))
    const holder = new Database(path)
    // Byte 0xff in doc 'a' cannot be stored: its whole transaction aborts.
    holder.exec("CREATE TRIGGER refuse BEFORE INSERT ON deltas WHEN NEW.doc = 'a' AND NEW.bytes = x'ff' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    // Hold the write lock so the failing commit happens after the later appends reached the worker.
    holder.prepare('BEGIN IMMEDIATE').run()
    const failing = store.append('a', one(0xff))
    await sleep(50)
    const sameDocLater = store.append('a', one(2))
    const otherDoc = store.append('b', one(3))
    await sleep(50)
    holder.prepare('COMMIT').run()
    await expect(failing).rejects.toBeInstanceOf(SqliteWorkerError)
    await expect(failing).rejects.toThrow(/refused/)
    // Without this, 'a' would hold delta 2 without delta 1, which it may depend on.
    await expect(sameDocLater).rejects.toThrow(/refused/)
    expect(await otherDoc).toBe(1)
    // Issued after the failure was seen: accepted again.
    expect(await store.append('a', one(4))).toBe(1)
    expect((await store.load('a')).deltas.map((d) => [...d.bytes])).toEqual([[4]])
    holder.close()
    await store.close()
  })

  it('close() drains: every append made before it commits and resolves', async () => {
    const store = await SqliteWorkerStore.open({ path, batchWindowMs: 1000 })
    const appends = Array.from({ length: 100 }, (_, i) => store.append('a', one(i)))
    await store.close()
    expect(await Promise.all(appends)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    const again = await SqliteWorkerStore.open({ path })
    expect((await again.head('a')).seq).toBe(100)
    await again.close()
  })
})
