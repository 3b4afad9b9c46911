/**
 * The bank test for two-phase commit across shards: accounts on two shards
 * (each its own PostgreSQL cluster, started here with
 * max_prepared_transactions), the coordinator log in a third. Money moves
 * between shards while the coordinator (a real process, kill -9) and the
 * participants (kill -9 of the postmaster and its backends) die at every step.
 * Checked: every read's total is the initial total; each transfer applied
 * on both shards or on neither, as the log decided; after recovery no
 * prepared transaction is left.
 *
 * CI profile: the 12 step x victim cases plus ~8 s of concurrent load with
 * random kills. WEFT_SHARD_SOAK=<seconds> runs the load longer.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { seededRandom } from '@weft/crdt-core'
import {
  listPreparedOlderThan,
  ShardCatalog,
  TwoPhaseAbortedError,
  TwoPhaseCoordinator,
  TwoPhaseInDoubtError,
  TwoPhaseRecovery,
  type TwoPhaseStep,
} from '@weft/server'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PgCluster, startPgCluster } from '../support/pg-cluster.js'
import { type Account, ACCOUNTS_PER_SHARD, accountsOf, createAccounts, INITIAL_BALANCE, pool, readBalances, total, transferTx } from './bank.js'
import { bundleEntry } from './spawn-bundled.js'

const SHARDS = ['a', 'b'] as const
const TOTAL = SHARDS.length * ACCOUNTS_PER_SHARD * INITIAL_BALANCE
const STEPS: readonly TwoPhaseStep[] = ['before-prepare', 'prepared', 'decided', 'committing']

interface Bank {
  readonly clusters: Record<string, PgCluster>
  readonly catalogCluster: PgCluster
  readonly catalogUrl: string
  readonly urls: Record<string, string>
  readonly pools: Map<string, pg.Pool>
  readonly log: pg.Pool
  readonly recovery: TwoPhaseRecovery
  readonly coordinatorBundle: string
}

const env = { bank: undefined as Bank | undefined }
const bank = () => env.bank as Bank

beforeAll(async () => {
  const [catalogCluster, ...shardClusters] = await Promise.all([startPgCluster(), ...SHARDS.map(() => startPgCluster())])
  const clusters = Object.fromEntries(SHARDS.map((s, i) => [s, shardClusters[i] as PgCluster]))
  const catalogUrl = await (catalogCluster as PgCluster).createDatabase('weft_catalog')
  const urls: Record<string, string> = {}
  for (const s of SHARDS) urls[s] = await (clusters[s] as PgCluster).createDatabase(`bank_${s}`)
  await (await ShardCatalog.open({ url: catalogUrl })).close()
  const pools = new Map(SHARDS.map((s) => [s as string, pool(urls[s] as string)]))
  for (const [s, p] of pools) await createAccounts(s, p)
  const log = pool(catalogUrl)
  env.bank = {
    clusters,
    catalogCluster: catalogCluster as PgCluster,
    catalogUrl,
    urls,
    pools,
    log,
    recovery: new TwoPhaseRecovery({ log, participants: pools, abortAfterMs: 0 }),
    coordinatorBundle: await bundleEntry(new URL('./bank-coordinator-process.ts', import.meta.url).pathname, 'bank-coordinator'),
  }
}, 120_000)

afterAll(async () => {
  const b = env.bank
  if (!b) return
  await Promise.all([...b.pools.values(), b.log].map((p) => p.end().catch(() => {})))
  await Promise.all([b.catalogCluster, ...Object.values(b.clusters)].map((c) => c.destroy()))
})

/** Balances by a consistent read, retried while a shard is down or a lock is held by a transaction being resolved. */
async function settledBalances(): Promise<Map<string, number>> {
  let last: unknown
  for (let i = 0; i < 50; i++) {
    try {
      return await readBalances(bank().pools, 1_000)
    } catch (e) {
      last = e
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error(`no consistent read in 50 tries: ${String(last)}`)
}

/** Recovery passes until nothing is pending (a restarted shard may need a moment). */
async function recoverAll(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const report = await bank().recovery.runOnce()
    if (report.pending === 0) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('recovery left transactions pending after 50 passes')
}

async function expectNoPrepared(): Promise<void> {
  expect(await listPreparedOlderThan(bank().pools, 0)).toEqual([])
}

/** Applied on both shards (+amount, -amount), or on neither: never on one. */
function outcomeOf(before: Map<string, number>, after: Map<string, number>, from: Account, to: Account, amount: number): 'applied' | 'not applied' {
  const df = (after.get(from.id) ?? 0) - (before.get(from.id) ?? 0)
  const dt = (after.get(to.id) ?? 0) - (before.get(to.id) ?? 0)
  if (df === -amount && dt === amount) return 'applied'
  if (df === 0 && dt === 0) return 'not applied'
  throw new Error(`transfer of ${amount} from ${from.id} to ${to.id} half applied: ${df}, ${dt}`)
}

async function logState(txid: string): Promise<string | undefined> {
  const { rows } = await bank().log.query<{ state: string }>('SELECT state FROM weft_2pc_log WHERE txid = $1', [txid])
  return rows[0]?.state
}

const A0: Account = { shard: 'a', id: 'a-0' }
const B0: Account = { shard: 'b', id: 'b-0' }

describe('2PC bank: a participant killed at every step', () => {
  for (const step of STEPS) {
    for (const victim of SHARDS) {
      it(`shard ${victim} killed (kill -9) at ${step}: applied on both or neither as the log decided; recovery leaves nothing prepared`, async () => {
        const b = bank()
        const before = await settledBalances()
        let txid = ''
        const coordinator = new TwoPhaseCoordinator({
          log: b.log,
          participants: b.pools,
          onStep: async (s, id) => {
            txid = id
            if (s === step) await (b.clusters[victim] as PgCluster).crash()
          },
        })
        const outcome = await coordinator.run(transferTx(A0, B0, 7)).then(
          () => 'committed',
          (e: unknown) => (e instanceof TwoPhaseAbortedError ? 'aborted' : e instanceof TwoPhaseInDoubtError ? 'in doubt' : `error ${String(e)}`),
        )
        await (b.clusters[victim] as PgCluster).start()
        await recoverAll()
        const after = await settledBalances()
        expect(total(after)).toBe(TOTAL)
        const applied = outcomeOf(before, after, A0, B0, 7)
        // A participant dead before it prepared aborts the transfer; once all prepared (voted yes) the coordinator
        // decides commit, and recovery finishes what the dead participant could not.
        const expected =
          step === 'before-prepare'
            ? { outcome: 'aborted', applied: 'not applied', log: 'abort' }
            : { outcome: step === 'committing' && victim === 'a' ? 'committed' : 'in doubt', applied: 'applied', log: 'commit' }
        expect({ outcome, applied, log: await logState(txid) }).toEqual(expected)
        await expectNoPrepared()
      })
    }
  }
})

describe('2PC bank: the coordinator process killed (kill -9) at every step', () => {
  for (const step of STEPS) {
    it(`coordinator killed at ${step}: a read meanwhile never sees a wrong total; recovery commits iff the decision was logged`, async () => {
      const b = bank()
      const before = await settledBalances()
      const { lines, exit } = runCoordinator({ catalogUrl: b.catalogUrl, shards: b.urls, crashAt: step, once: { from: A0, to: B0, amount: 11 } })
      expect(await exit).toBe('SIGKILL')
      expect(lines()).toEqual([])
      // In doubt now: its locks are held. A read either waits out its lock timeout or sees the old, whole total.
      const during = await readBalances(b.pools, 300).then(
        (bal) => total(bal),
        () => 'blocked',
      )
      // Before PREPARE the dead session's transaction is rolled back as its socket closes (the read may still meet it).
      if (step === 'before-prepare') expect([TOTAL, 'blocked']).toContain(during)
      else expect(during).toBe('blocked')
      const { rows } = await b.log.query<{ txid: string; state: string }>('SELECT txid, state FROM weft_2pc_log ORDER BY started_at DESC LIMIT 1')
      const txid = rows[0]?.txid as string
      await recoverAll()
      const after = await settledBalances()
      expect(total(after)).toBe(TOTAL)
      const decided = step === 'decided' || step === 'committing'
      expect({ applied: outcomeOf(before, after, A0, B0, 11), log: await logState(txid) }).toEqual(
        decided ? { applied: 'applied', log: 'commit' } : { applied: 'not applied', log: 'abort' },
      )
      await expectNoPrepared()
    })
  }
})

/** Seconds of load: the CI profile's 8, or `WEFT_SHARD_SOAK`; the test's own limit grows with it. */
const LOAD_SECONDS = Number(process.env.WEFT_SHARD_SOAK ?? 8)

describe('2PC bank under load', () => {
  it(
    'concurrent transfers from coordinator processes and in-process ones while coordinators and shards are killed at random: every read total constant, every logged commit applied exactly once',
    async () => {
      const b = bank()
      const seed = Number(process.env.WEFT_SHARD_SEED ?? Date.now() % 1_000_000)
      const seconds = LOAD_SECONDS
      console.log(`[bank-load] seed ${seed} (WEFT_SHARD_SEED=${seed} repeats it), ${seconds} s`)
      const rand = seededRandom(seed)
      expect(total(await settledBalances())).toBe(TOTAL)
      const started = Date.now()
      const stats = { reads: 0, blockedReads: 0, coordinatorKills: 0, shardKills: 0, committed: 0, aborted: 0, inDoubt: 0, shardDownMs: 0 }
      // At least `seconds` of load and enough of everything to mean something; at most 60 s more on a slow machine.
      const enough = () => stats.committed >= 10 && stats.reads >= 10 && stats.coordinatorKills >= 2 && stats.shardKills >= 2
      const running = () => Date.now() < started + seconds * 1_000 || (!enough() && Date.now() < started + (seconds + 60) * 1_000)
      const wrongTotals: number[] = []

      // Recovery runs beside live coordinators: a 'preparing' row is aborted only after 1 s of silence.
      const recovery = new TwoPhaseRecovery({ log: b.log, participants: b.pools, abortAfterMs: 1_000 })
      const stopRecovery = recovery.start(100)

      const readers = Array.from({ length: 2 }, async () => {
        while (running()) {
          try {
            const t = total(await readBalances(b.pools, 500))
            stats.reads++
            if (t !== TOTAL) wrongTotals.push(t)
          } catch {
            stats.blockedReads++
            await new Promise((r) => setTimeout(r, 20))
          }
        }
      })

      const inProcess = Array.from({ length: 2 }, async (_, k) => {
        const coordinator = new TwoPhaseCoordinator({ log: b.log, participants: b.pools })
        const r = seededRandom(seed + 100 + k)
        const accounts = accountsOf([...SHARDS])
        while (running()) {
          const from = accounts[Math.floor(r() * accounts.length)] as Account
          const to = accounts.filter((a) => a.shard !== from.shard)[Math.floor(r() * ACCOUNTS_PER_SHARD)] as Account
          try {
            await coordinator.run(transferTx(from, to, 1 + Math.floor(r() * 50)))
            stats.committed++
          } catch (e) {
            if (process.env.WEFT_SHARD_DEBUG) console.log(String(e))
            if (e instanceof TwoPhaseAbortedError) stats.aborted++
            else stats.inDoubt++
            await new Promise((res) => setTimeout(res, 20))
          }
        }
      })

      const processes = Array.from({ length: 2 }, async (_, k) => {
        let round = 0
        while (running()) {
          const child = runCoordinator({ catalogUrl: b.catalogUrl, shards: b.urls, seed: seed + 200 + k * 1000 + round++ })
          // Killed at a random moment once it is under way (a slow machine may take a second to start it).
          for (let i = 0; i < 100 && child.lines().length === 0 && running(); i++) await new Promise((r) => setTimeout(r, 50))
          await new Promise((r) => setTimeout(r, rand() * 800))
          child.kill()
          await child.exit
          stats.coordinatorKills++
        }
      })

      // Two shard kills in the CI profile (a restart with crash recovery takes seconds on a busy machine); more in a soak.
      const maxShardKills = process.env.WEFT_SHARD_SOAK ? Number.POSITIVE_INFINITY : 2
      const shardFaults = (async () => {
        while (running() && stats.shardKills < maxShardKills) {
          await new Promise((r) => setTimeout(r, 300 + rand() * 700))
          if (!running()) break
          const victim = SHARDS[Math.floor(rand() * SHARDS.length)] as string
          const down = Date.now()
          await (b.clusters[victim] as PgCluster).crash()
          stats.shardKills++
          await new Promise((r) => setTimeout(r, 100 + rand() * 300))
          await (b.clusters[victim] as PgCluster).start()
          stats.shardDownMs += Date.now() - down
          // Let the load run on both shards for a while before the next kill.
          await new Promise((r) => setTimeout(r, 1_000 + rand() * 1_000))
        }
      })()

      await Promise.all([...readers, ...inProcess, ...processes, shardFaults])
      await stopRecovery()
      await recoverAll()
      // Whatever is still 'preparing' was left by a killed coordinator; a pass with no grace aborts it.
      await bank().recovery.runOnce()
      await recoverAll()

      const final = await settledBalances()
      console.log(`[bank-load] ${JSON.stringify(stats)}`)
      expect(wrongTotals).toEqual([])
      expect(total(final)).toBe(TOTAL)
      expect(enough()).toBe(true)
      await expectNoPrepared()
      // Every balance is what the log's committed transfers make it: none lost, none applied twice, no aborted one applied.
      const { rows } = await b.log.query<{ state: string; payload: { from?: string; to?: string; amount?: number } }>(
        "SELECT state, payload FROM weft_2pc_log WHERE kind = 'plain'",
      )
      expect(rows.filter((r) => r.state === 'preparing')).toEqual([])
      const expected = new Map(accountsOf([...SHARDS]).map((a) => [a.id, INITIAL_BALANCE]))
      for (const r of rows) {
        if (r.state !== 'commit' || !r.payload.from || !r.payload.to || !r.payload.amount) continue
        expected.set(r.payload.from, (expected.get(r.payload.from) ?? 0) - r.payload.amount)
        expected.set(r.payload.to, (expected.get(r.payload.to) ?? 0) + r.payload.amount)
      }
      expect(Object.fromEntries(final)).toEqual(Object.fromEntries(expected))
    },
    180_000 + LOAD_SECONDS * 1_000,
  )
})

interface CoordinatorProcess {
  readonly exit: Promise<NodeJS.Signals | number | null>
  lines(): string[]
  kill(): void
}

function runCoordinator(config: Record<string, unknown>): CoordinatorProcess {
  const out: string[] = []
  const child: ChildProcess = spawn(process.execPath, [bank().coordinatorBundle], {
    env: { ...process.env, WEFT_BANK_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let buffered = ''
  child.stdout?.on('data', (d: Buffer) => {
    buffered += d.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    out.push(...parts.filter((l) => l.length > 0))
  })
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)))
  return { exit, lines: () => out, kill: () => child.kill('SIGKILL') }
}
