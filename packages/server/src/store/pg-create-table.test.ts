import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createTestDatabase } from '../test-support/postgres-test-database.js'
import { createTableIfAbsent } from './pg-create-table.js'

describe('createTableIfAbsent', () => {
  it('[AUDIT-9] eight nodes creating the same table at once all succeed (plain IF NOT EXISTS races on the catalog)', async () => {
    const db = await createTestDatabase()
    const pool = new pg.Pool({ connectionString: db.url, max: 8 })
    // db.drop() terminates the database's backends, and a client still closing then reports it.
    pool.on('error', () => {})
    try {
      for (let round = 0; round < 5; round++) {
        const sql = `CREATE TABLE IF NOT EXISTS race_${round} (id bigserial PRIMARY KEY, v text)`
        await Promise.all(Array.from({ length: 8 }, () => createTableIfAbsent(pool, sql)))
        expect((await pool.query(`SELECT count(*)::int AS n FROM race_${round}`)).rows[0].n).toBe(0)
      }
      await expect(createTableIfAbsent(pool, 'CREATE TABLE IF NOT EXISTS bad (')).rejects.toThrow(/syntax/)
    } finally {
      await pool.end()
      await db.drop()
    }
  })
})
