import { runAuditCommand } from '@weft/server'
import { TEST_PG_URL } from '@weft/server/testing'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { type AuditedStore, openPostgres } from './stores.js'

/** PREPARE TRANSACTION needs max_prepared_transactions > 0 (a server setting; 0 by default). */
async function preparedTransactionsEnabled(): Promise<boolean> {
  const c = new pg.Client({ connectionString: TEST_PG_URL })
  await c.connect()
  try {
    return Number((await c.query('SHOW max_prepared_transactions')).rows[0]?.max_prepared_transactions) > 0
  } finally {
    await c.end()
  }
}

const enabled = await preparedTransactionsEnabled()

describe('audit of the engine: PostgreSQL prepared transactions (2PC)', () => {
  let s: AuditedStore | undefined
  afterEach(async () => {
    await s?.cleanup()
    s = undefined
  })

  it.skipIf(!enabled)('a prepared transaction older than --prepared-max-age is a finding naming its gid; a young one is not', async () => {
    s = await openPostgres()
    await s.raw(`BEGIN; INSERT INTO docs (doc, head_seq, vv, pruned_vv) VALUES ('x', 0, '{}', '{}'); PREPARE TRANSACTION 'weft_audit_old'`)
    try {
      await new Promise((r) => setTimeout(r, 300))
      await s.closeStore()
      let out = ''
      const code = await runAuditCommand([...s.args, '--json', '--prepared-max-age', '100ms'], {}, { write: (x: string) => (out += x) }, { write: () => {} })
      expect(JSON.parse(out).findings).toEqual([
        expect.objectContaining({ check: 'pg-prepared-xact-old', message: expect.stringMatching(/^prepared transaction 'weft_audit_old'/) }),
      ])
      expect(code).toBe(1)
      out = ''
      expect(await runAuditCommand([...s.args, '--json', '--prepared-max-age', '1h'], {}, { write: (x: string) => (out += x) }, { write: () => {} })).toBe(0)
    } finally {
      await s.raw(`ROLLBACK PREPARED 'weft_audit_old'`)
    }
  })
})
