import type pg from 'pg'

/**
 * `CREATE TABLE IF NOT EXISTS …` that two nodes may run at once: PostgreSQL
 * checks "if not exists" before it takes any lock, so the slower of two
 * concurrent creators fails on the catalog's unique index (23505) or finds
 * the relation made meanwhile (42P07). Either way the table is there.
 */
export async function createTableIfAbsent(pool: pg.Pool, sql: string): Promise<void> {
  try {
    await pool.query(sql)
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code !== '23505' && code !== '42P07') throw error
  }
}
