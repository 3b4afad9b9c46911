import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres-test-database.js'
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js'
import { PostgresStore } from './postgres-store.js'
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js'
import { SqliteStore } from './sqlite-store.js'
import type { Store } from './store.js'

/**
 * [LIM-REPLICAS-1] Version 5 (SQLite) / 4 (PostgreSQL) moved a doc's version vector from one JSON
 * value to one row per replica. A database written before it, with docs, deltas, a snapshot and
 * pruned log, must read the same after the migration, and take appends as before.
 */

/** What the old schema held: two docs, one compacted (snapshot + pruned vv) and one with 300 replicas. */
const DOCS = {
  plain: {
    seq: 3,
    vv: { 11: 2, 12: 1 },
    pruned: {},
    deltas: [
      [1, [[11, 0, 1]]],
      [2, [[12, 0, 1]]],
      [3, [[11, 1, 2]]],
    ] as const,
  },
  compacted: {
    seq: 5,
    vv: { 21: 5 },
    pruned: { 21: 3 },
    snapshot: { seq: 3, vv: { 21: 3 } },
    deltas: [
      [4, [[21, 3, 4]]],
      [5, [[21, 4, 5]]],
    ] as const,
  },
  wide: { seq: 300, vv: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [1000 + i, 1])), pruned: {}, deltas: [] },
} as const

async function expectSameAsBefore(store: Store): Promise<void> {
  expect(await store.head('plain')).toEqual({ seq: 3, vv: { 11: 2, 12: 1 } })
  expect(await store.head('compacted')).toEqual({ seq: 5, vv: { 21: 5 } })
  expect(await store.head('wide')).toEqual({ seq: 300, vv: DOCS.wide.vv })
  const loaded = await store.load('compacted')
  expect(loaded.head).toEqual({ seq: 5, vv: { 21: 5 } })
  expect(loaded.snapshot?.seq).toBe(3)
  expect(loaded.deltas.map((d) => d.seq)).toEqual([4, 5])
  // The pruned vv still decides whether a reader needs the snapshot.
  expect((await store.readSince('compacted', { 21: 3 })).snapshot).toBeUndefined()
  expect((await store.readSince('compacted', { 21: 2 })).snapshot?.seq).toBe(3)
  expect((await store.readSince('plain', { 11: 1 })).deltas.map((d) => d.seq)).toEqual([2, 3])
  // Appends go on from the migrated counters.
  expect(await store.append('plain', { bytes: new Uint8Array([9]), ranges: [{ replica: 12, from: 1, to: 4 }] })).toBe(4)
  expect(await store.head('plain')).toEqual({ seq: 4, vv: { 11: 2, 12: 4 } })
}

const ranges = (rs: readonly (readonly [number, number, number])[]) => JSON.stringify(rs)

describe('[LIM-REPLICAS-1] the per-replica version vector migration keeps every doc as it was', () => {
  let cleanup: (() => Promise<void>) | undefined
  afterEach(async () => {
    await cleanup?.()
    cleanup = undefined
  })

  it('SQLite: a file at schema 4 opens at 5 with the same heads, snapshots and log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-mig-'))
    const path = join(dir, 'old.db')
    const old = new Database(path)
    for (const sql of SQLITE_MIGRATIONS.slice(0, 4)) old.exec(sql)
    old.pragma('user_version = 4')
    for (const [doc, d] of Object.entries(DOCS)) {
      old.prepare('INSERT INTO docs (doc, head_seq, vv, pruned_vv) VALUES (?, ?, ?, ?)').run(doc, d.seq, JSON.stringify(d.vv), JSON.stringify(d.pruned))
      for (const [seq, rs] of d.deltas)
        old.prepare('INSERT INTO deltas (doc, seq, ranges, bytes) VALUES (?, ?, ?, ?)').run(doc, seq, ranges(rs), Buffer.from([seq]))
      if ('snapshot' in d)
        old.prepare('INSERT INTO snapshots (doc, seq, vv, bytes) VALUES (?, ?, ?, ?)').run(doc, d.snapshot.seq, JSON.stringify(d.snapshot.vv), Buffer.from([0]))
    }
    old.close()
    const store = new SqliteStore({ path })
    cleanup = async () => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
    await expectSameAsBefore(store)
  })

  it('PostgreSQL: a database at schema 3 opens at 4 with the same heads, snapshots and log', async () => {
    const db: TestDatabase = await createTestDatabase()
    await db.admin('CREATE TABLE weft_schema (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL)')
    for (const sql of POSTGRES_MIGRATIONS.slice(0, 3)) await db.admin(sql)
    await db.admin('INSERT INTO weft_schema (id, version) VALUES (1, 3)')
    for (const [doc, d] of Object.entries(DOCS)) {
      await db.admin('INSERT INTO weft_docs (doc, head_seq, vv, pruned_vv) VALUES ($1, $2, $3, $4)', [
        doc,
        d.seq,
        JSON.stringify(d.vv),
        JSON.stringify(d.pruned),
      ])
      for (const [seq, rs] of d.deltas) {
        await db.admin('INSERT INTO weft_deltas (doc, seq, ranges, bytes) VALUES ($1, $2, $3, $4)', [doc, seq, ranges(rs), Buffer.from([seq])])
      }
      if ('snapshot' in d) {
        await db.admin('INSERT INTO weft_snapshots (doc, seq, vv, bytes) VALUES ($1, $2, $3, $4)', [
          doc,
          d.snapshot.seq,
          JSON.stringify(d.snapshot.vv),
          Buffer.from([0]),
        ])
      }
    }
    const store = await PostgresStore.open({ url: db.url, poolSize: 2 })
    cleanup = async () => {
      await store.close()
      await db.drop()
    }
    await expectSameAsBefore(store)
  })
})
