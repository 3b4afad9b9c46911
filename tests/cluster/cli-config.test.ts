import { type TestDatabase, createTestDatabase } from '@weft/server/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { startServerProcess } from '../server/helpers/server-process.js'

/** Starts the CLI expecting it to fail; returns what it printed. */
async function failure(args: string[]): Promise<string> {
  const outcome = await startServerProcess(args).then(
    (p) => {
      p.child.kill('SIGKILL')
      return new Error('the server started')
    },
    (e: unknown) => e as Error,
  )
  return outcome.message
}

function oneLineSaying(message: string, ...parts: RegExp[]): void {
  expect(message).toContain('code 1')
  const line = message.split('\n').find((l) => l.startsWith('weft-server failed to start:'))
  expect(line, message).toBeDefined()
  for (const p of parts) expect(line).toMatch(p)
  expect(message).not.toMatch(/\n\s+at /) // no stack trace for a configuration mistake
}

describe('weft-server refuses a bad cluster configuration with exit 1 and one line saying what to do', () => {
  const dbs: TestDatabase[] = []
  afterAll(async () => {
    for (const db of dbs) await db.drop()
  })
  const database = async () => {
    const db = await createTestDatabase()
    dbs.push(db)
    return db
  }

  it('an unreachable PostgreSQL', async () => {
    oneLineSaying(await failure(['--store', 'postgres://postgres@127.0.0.1:1/weft']), /cannot be reached/, /--store \(WEFT_STORE\)/)
  })

  it('credentials PostgreSQL refuses, without printing the password', async () => {
    const message = await failure(['--store', 'postgres://nobody:hunter2@127.0.0.1:5432/postgres'])
    oneLineSaying(message, /refused the credentials/, /--store/)
    expect(message).not.toContain('hunter2')
  })

  it('a database migrated by a newer server', async () => {
    const db = await database()
    await db.admin('CREATE TABLE weft_schema (id int PRIMARY KEY, version int NOT NULL)')
    await db.admin('INSERT INTO weft_schema VALUES (1, 999)')
    oneLineSaying(await failure(['--store', db.url]), /newer weft-server \(schema 999/, /upgrade this server/)
  })

  it('an unreachable NATS bus', async () => {
    const db = await database()
    oneLineSaying(await failure(['--store', db.url, '--bus', 'nats://127.0.0.1:1']), /NATS bus nats:\/\/127\.0\.0\.1:1/, /--bus \(WEFT_BUS\)/)
  })
})
