/**
 * A throwaway PostgreSQL database per test: `CREATE DATABASE weft_test_<random>`
 * on the machine's server (WEFT_TEST_PG, default postgres://postgres@127.0.0.1:5432/postgres),
 * dropped `WITH (FORCE)` afterwards so a test never sees another's data.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface TempDatabase {
  readonly name: string
  readonly url: string
  /** Runs SQL on the admin connection (for faults such as pg_terminate_backend). */
  admin(sql: string, params?: unknown[]): Promise<pg.QueryResult>
  drop(): Promise<void>
}

export const ADMIN_URL = process.env.WEFT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * @example
 * ```ts
 * const db = await createTempDatabase()
 * try { await use(db.url) } finally { await db.drop() }
 * ```
 */
export async function createTempDatabase(): Promise<TempDatabase> {
  const name = `weft_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    admin: (sql, params) => admin.query(sql, params),
    async drop() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await admin.end()
      }
    },
  }
}
