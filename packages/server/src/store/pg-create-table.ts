import type pg from 'pg'

/** Already there, as a racing creator finds it: unique_violation on the catalog, duplicate_table, duplicate_object. */
const MADE_MEANWHILE = new Set(['23505', '42P07', '42710'])

/**
 * `CREATE TABLE IF NOT EXISTS …` that several nodes may run at once.
 * PostgreSQL checks "if not exists" before it takes any lock, so concurrent
 * creators race on the catalog: the slower one fails on its unique indexes
 * (23505), on the relation (42P07) or on the table's row type (42710, "type
 * … already exists"). So creators of the same statement take a transaction
 * advisory lock first: the second one waits for the first one's commit and
 * then sees the table. The codes are still tolerated for a creator that
 * does not go through here (an older node).
 */
export async function createTableIfAbsent(pool: pg.Pool, sql: string): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [sql])
    await client.query(sql)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    if (!MADE_MEANWHILE.has((error as { code?: string }).code ?? '')) throw error
  } finally {
    client.release()
  }
}
