import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The PostgreSQL server tests use (`WEFT_TEST_PG_URL`, default the local one with trust auth). */
export const TEST_PG_URL = process.env.WEFT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** A database made for one test, dropped (with its connections) by `drop()`. */
export interface TestDatabase {
  readonly name: string
  readonly url: string
  /** Runs SQL as an administrator on this database (faults, inspection). */
  admin(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult>
  drop(): Promise<void>
}

/** `CREATE DATABASE weft_test_<random>`, so parallel runs never see each other's data. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `weft_test_${randomBytes(6).toString('hex')}`
  const root = new pg.Client({ connectionString: TEST_PG_URL })
  root.on('error', () => {})
  await root.connect()
  try {
    await root.query(`CREATE DATABASE ${name}`)
  } finally {
    await root.end()
  }
  const url = new URL(TEST_PG_URL)
  url.pathname = `/${name}`
  let adminClient: pg.Client | undefined
  return {
    name,
    url: url.toString(),
    async admin(sql, params = []) {
      if (!adminClient) {
        adminClient = new pg.Client({ connectionString: url.toString() })
        adminClient.on('error', () => {})
        await adminClient.connect()
      }
      return adminClient.query(sql, [...params])
    },
    async drop() {
      await adminClient?.end().catch(() => {})
      const c = new pg.Client({ connectionString: TEST_PG_URL })
      c.on('error', () => {})
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}

/** Makes inserts of `doc`'s deltas whose bytes start with 0xFF raise, through a trigger; resolves with its removal. */
export async function refusePostgresAppends(db: TestDatabase, doc: string): Promise<() => Promise<void>> {
  const name = `weft_refuse_${Buffer.from(doc).toString('hex')}`
  await db.admin(`CREATE OR REPLACE FUNCTION weft_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF length(NEW.bytes) > 0 AND get_byte(NEW.bytes, 0) = 255 THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
      RETURN NEW;
    END $$`)
  await db.admin(
    `CREATE TRIGGER ${name} BEFORE INSERT ON weft_deltas FOR EACH ROW WHEN (NEW.doc = '${doc.replaceAll("'", "''")}') EXECUTE FUNCTION weft_test_refuse()`,
  )
  return async () => {
    await db.admin(`DROP TRIGGER ${name} ON weft_deltas`)
  }
}
