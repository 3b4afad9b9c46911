import { PgStrongOps, WeftUnavailableError } from '@weft/server'
import { describe, expect, it } from 'vitest'
import { runStrongOpsContract } from '../../packages/server/src/strong/strong-contract.js'
import { freePort } from '../support/free-port.js'
import { createTempDatabase } from '../support/pg-database.js'

runStrongOpsContract('PgStrongOps', async () => {
  const db = await createTempDatabase()
  const ops = await PgStrongOps.open({ connectionString: db.url })
  return { ops, open: () => PgStrongOps.open({ connectionString: db.url }), cleanup: () => db.drop() }
})

describe('PgStrongOps', () => {
  it('retries serialization failures when the database runs SERIALIZABLE, and stays exact', async () => {
    const db = await createTempDatabase()
    try {
      await db.admin(`ALTER DATABASE ${db.name} SET default_transaction_isolation = 'serializable'`)
      const ops = await PgStrongOps.open({ connectionString: db.url, maxConnections: 16, maxRetries: 200 })
      try {
        const results = await Promise.all(Array.from({ length: 60 }, () => ops.add('seats', 1, { max: 40 })))
        expect(results.filter((r) => r.ok)).toHaveLength(40)
        expect(await ops.readCounter('seats')).toEqual({ value: 40 })
        const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => ops.claim('name', `o${i}`)))
        expect(claims.filter((r) => r.ok)).toHaveLength(1)
        // The path under test ran: without retries these would have failed with 40001.
        expect(ops.serializationRetries).toBeGreaterThan(0)
      } finally {
        await ops.close()
      }
    } finally {
      await db.drop()
    }
  })

  it('refuses to open against an unreachable server with WeftUnavailableError(unreachable)', async () => {
    const port = await freePort()
    const opening = PgStrongOps.open({ connectionString: `postgres://postgres@127.0.0.1:${port}/nothing`, timeoutMs: 1_000 })
    await expect(opening).rejects.toBeInstanceOf(WeftUnavailableError)
    await expect(opening).rejects.toMatchObject({ code: 'unreachable' })
  })

  it('refuses an operation whose database has gone with WeftUnavailableError, not an unknown outcome', async () => {
    const db = await createTempDatabase()
    const ops = await PgStrongOps.open({ connectionString: db.url, timeoutMs: 1_000 })
    try {
      await db.admin(`DROP DATABASE ${db.name} WITH (FORCE)`)
      const claiming = ops.claim('x', 'alice')
      await expect(claiming).rejects.toBeInstanceOf(WeftUnavailableError)
    } finally {
      await ops.close()
      await db.drop()
    }
  })
})
