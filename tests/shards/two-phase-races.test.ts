/**
 * Recovery beside a live coordinator: the races [2PC-1] settles with one
 * conditional update of the log row, and prepared transactions no
 * coordinator logged. One PostgreSQL cluster of the test's own (two
 * databases as participants, one as the catalog).
 */
import { listPreparedOlderThan, ShardCatalog, TwoPhaseAbortedError, TwoPhaseCoordinator, TwoPhaseRecovery, gidOf } from '@weft/server'
import type pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PgCluster, startPgCluster } from '../support/pg-cluster.js'
import { accountsOf, createAccounts, pool, readBalances, transferTx } from './bank.js'

const env = { cluster: undefined as PgCluster | undefined, log: undefined as pg.Pool | undefined, pools: new Map<string, pg.Pool>() }

beforeAll(async () => {
  const cluster = await startPgCluster()
  env.cluster = cluster
  const catalogUrl = await cluster.createDatabase('weft_catalog')
  await (await ShardCatalog.open({ url: catalogUrl })).close()
  env.log = pool(catalogUrl)
  for (const s of ['a', 'b']) {
    const p = pool(await cluster.createDatabase(`bank_${s}`))
    await createAccounts(s, p)
    env.pools.set(s, p)
  }
}, 120_000)

afterAll(async () => {
  await Promise.all([env.log, ...env.pools.values()].map((p) => p?.end().catch(() => {})))
  await env.cluster?.destroy()
})

const [A0, , , , B0] = accountsOf(['a', 'b'])

it('recovery aborts a coordinator that went silent after PREPARE; the coordinator, waking up, cannot commit and rolls back', async () => {
  const log = env.log as pg.Pool
  const recovery = new TwoPhaseRecovery({ log, participants: env.pools, abortAfterMs: 0 })
  const before = await readBalances(env.pools)
  let report: Awaited<ReturnType<TwoPhaseRecovery['runOnce']>> | undefined
  const slow = new TwoPhaseCoordinator({
    log,
    participants: env.pools,
    onStep: async (step) => {
      // Paused between PREPARE and the decision while recovery runs: recovery wins the row.
      if (step === 'prepared') report = await recovery.runOnce()
    },
  })
  await expect(slow.run(transferTx(A0!, B0!, 5))).rejects.toBeInstanceOf(TwoPhaseAbortedError)
  expect(report?.rolledBack).toBe(2)
  expect(await readBalances(env.pools)).toEqual(before)
  expect(await listPreparedOlderThan(env.pools, 0)).toEqual([])
  expect((await log.query("SELECT count(*)::int AS n FROM weft_2pc_log WHERE state <> 'abort' OR NOT done")).rows[0].n).toBe(0)
})

it('recovery leaves a young preparing transaction to its coordinator, which then commits', async () => {
  const log = env.log as pg.Pool
  const recovery = new TwoPhaseRecovery({ log, participants: env.pools, abortAfterMs: 60_000 })
  const before = await readBalances(env.pools)
  const coordinator = new TwoPhaseCoordinator({
    log,
    participants: env.pools,
    onStep: async (step) => {
      if (step === 'prepared') expect((await recovery.runOnce()).pending).toBe(1)
    },
  })
  await coordinator.run(transferTx(A0!, B0!, 5))
  const after = await readBalances(env.pools)
  expect([(after.get(A0!.id) ?? 0) - (before.get(A0!.id) ?? 0), (after.get(B0!.id) ?? 0) - (before.get(B0!.id) ?? 0)]).toEqual([-5, 5])
  expect(await listPreparedOlderThan(env.pools, 0)).toEqual([])
})

it('a prepared transaction no coordinator logged is rolled back; the audit lists prepared transactions past a threshold', async () => {
  const a = env.pools.get('a') as pg.Pool
  const c = await a.connect()
  await c.query('BEGIN')
  await c.query("UPDATE bank_accounts SET balance = balance + 1000 WHERE id = 'a-1'")
  await c.query(`PREPARE TRANSACTION '${gidOf('deadbeefdeadbeef', 'a')}'`)
  c.release()
  await new Promise((r) => setTimeout(r, 50))
  const listed = await listPreparedOlderThan(env.pools, 10)
  expect(listed.map((p) => ({ participant: p.participant, txid: p.txid }))).toEqual([{ participant: 'a', txid: 'deadbeefdeadbeef' }])
  expect(listed[0]?.ageMs).toBeGreaterThanOrEqual(10)
  expect(await listPreparedOlderThan(env.pools, 60_000)).toEqual([])
  const report = await new TwoPhaseRecovery({ log: env.log as pg.Pool, participants: env.pools }).runOnce()
  expect(report.rolledBack).toBe(1)
  expect(await listPreparedOlderThan(env.pools, 0)).toEqual([])
  expect((await readBalances(env.pools)).get('a-1')).toBe(1_000)
})
