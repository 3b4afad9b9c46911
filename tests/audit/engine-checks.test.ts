import { PostgresStore, runAuditCommand } from '@weft/server'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PgCluster, startPgCluster } from '../support/pg-cluster.js'

/**
 * The shared PostgreSQL has max_prepared_transactions=0 (PREPARE TRANSACTION
 * is refused there), so this runs on a cluster of its own that allows them.
 */
describe('audit of the engine: PostgreSQL prepared transactions (2PC)', () => {
  let cluster: PgCluster
  beforeAll(async () => {
    cluster = await startPgCluster({ settings: { max_prepared_transactions: 8 } })
  }, 60_000)
  afterAll(async () => {
    await cluster?.destroy()
  })

  const audit = async (url: string, ...extra: string[]) => {
    let out = ''
    let err = ''
    const code = await runAuditCommand(['--store', url, '--json', ...extra], {}, { write: (x: string) => (out += x) }, { write: (x: string) => (err += x) })
    return { code, json: JSON.parse(out || '{}') as { findings: Array<{ check: string; doc?: string; message: string }> }, err }
  }

  it('[AUDIT-1] a prepared transaction older than --prepared-max-age is a finding naming its gid (exit 1); a young one is not (exit 0)', async () => {
    const url = await cluster.createDatabase('weft_audit_prepared')
    // The store's schema, then a 2PC participant that prepared and was never decided.
    await (await PostgresStore.open({ url, poolSize: 1 })).close()
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      await c.query(`BEGIN; INSERT INTO weft_docs (doc, head_seq, pruned_vv) VALUES ('x', 0, '{}'); PREPARE TRANSACTION 'weft_audit_old'`)
      await new Promise((r) => setTimeout(r, 300))
      const old = await audit(url, '--prepared-max-age', '100ms')
      expect(old.json.findings).toEqual([
        expect.objectContaining({
          check: 'pg-prepared-xact-old',
          repairable: false,
          message: expect.stringMatching(/^prepared transaction 'weft_audit_old' \(owner postgres\) has waited/),
        }),
      ])
      expect(old.code).toBe(1)
      const young = await audit(url, '--prepared-max-age', '1h')
      expect(young.json.findings).toEqual([])
      expect(young.code).toBe(0)
      // --repair leaves the decision to a person (the coordinator's log decides it), and says so.
      const repaired = await audit(url, '--prepared-max-age', '100ms', '--repair')
      expect(repaired.code).toBe(1)
    } finally {
      await c.query(`ROLLBACK PREPARED 'weft_audit_old'`).catch(() => {})
      await c.end()
    }
    expect((await audit(url, '--prepared-max-age', '100ms')).code).toBe(0)
  })
})
