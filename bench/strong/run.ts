/**
 * pnpm bench:strong — what a strong op costs against its floor, in one run:
 *
 * - PostgreSQL: PgStrongOps.claim vs one round trip (`SELECT 1`) on the same pool;
 * - JetStream R=3 (a real 3-node cluster on loopback): JetStreamStrongOps.claim
 *   vs one Raft round (a plain publish to an R=3 stream, acked after quorum).
 *
 * For each: latency p50/p99 of one client doing one op at a time, throughput
 * of `--concurrency` clients each on its own names, and CPU time per op
 * (this process + the server processes, from /proc). No network delay is
 * added: tc netem on loopback would slow every process on this shared
 * machine, so the figures are loopback figures (see the docs for what a WAN
 * round trip adds). Flags: --seconds N (per measurement, default 4),
 * --concurrency C (default 8).
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { JetStreamStrongOps, PgStrongOps } from '@weft/server'
import pg from 'pg'
import { startNatsCluster } from '../../tests/support/nats-cluster.js'
import { createTempDatabase } from '../../tests/support/pg-database.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const SECONDS = flag('seconds', 4)
const CONCURRENCY = flag('concurrency', 8)

interface Measure {
  readonly p50: number
  readonly p99: number
  readonly opsPerSec: number
  /** CPU ms per op: this process, and the servers' processes. */
  readonly clientCpu: number
  readonly serverCpu: number
}

function cpuMsOf(pids: readonly number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(f[11]) + Number(f[12])
    } catch {
      // gone: counts nothing
    }
  }
  return ticks * 10 // USER_HZ = 100
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN

/** One client, one op at a time, then `CONCURRENCY` clients at once. */
async function measure(label: string, op: (client: number, i: number) => Promise<unknown>, serverPids: () => Promise<number[]>): Promise<Measure> {
  for (let i = 0; i < 50; i++) await op(0, -1 - i) // warm up
  const latencies: number[] = []
  let end = performance.now() + SECONDS * 1_000
  for (let i = 0; performance.now() < end; i++) {
    const t = performance.now()
    await op(0, i)
    latencies.push(performance.now() - t)
  }
  latencies.sort((a, b) => a - b)
  const pids = await serverPids()
  const cpu0 = process.cpuUsage()
  const server0 = cpuMsOf(pids)
  let count = 0
  const start = performance.now()
  end = start + SECONDS * 1_000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        await op(c + 1, i)
        count++
      }
    }),
  )
  const wall = (performance.now() - start) / 1_000
  const cpu = process.cpuUsage(cpu0)
  const serverMs = cpuMsOf(pids) - server0
  const m = {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    opsPerSec: count / wall,
    clientCpu: (cpu.user + cpu.system) / 1_000 / count,
    serverCpu: serverMs / count,
  }
  console.error(`  ${label}: p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, ${m.opsPerSec.toFixed(0)} ops/s with ${CONCURRENCY} clients`)
  return m
}

async function benchPostgres(): Promise<[Measure, Measure]> {
  console.error('PostgreSQL (127.0.0.1:5432, own database)')
  const db = await createTempDatabase()
  const pool = new pg.Pool({ connectionString: db.url, max: CONCURRENCY + 1 })
  const ops = await PgStrongOps.open({ pool })
  const pids = async () => (await db.admin('SELECT pid FROM pg_stat_activity WHERE datname = $1', [db.name])).rows.map((r) => Number(r.pid))
  try {
    const floor = await measure('SELECT 1', () => pool.query('SELECT 1'), pids)
    const claim = await measure('claim', (c, i) => ops.claim(`bench/${c}/${i}`, `owner-${c}`), pids)
    return [floor, claim]
  } finally {
    await ops.close()
    await pool.end()
    await db.drop()
  }
}

async function benchJetStream(): Promise<[Measure, Measure]> {
  console.error('NATS JetStream, 3 nodes on loopback, R=3')
  const cluster = await startNatsCluster({ size: 3 })
  const pids = async () => cluster.nodes.map((n) => n.process?.pid ?? 0).filter((p) => p > 0)
  const nc = await connect({ servers: [...cluster.urls] })
  try {
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: 'bench_floor', subjects: ['bench.floor.>'], num_replicas: 3 })
    const js = jetstream(nc)
    const ops = await JetStreamStrongOps.open({ connection: nc, bucket: 'bench_strong', replicas: 3 })
    const floor = await measure('R=3 publish', (c, i) => js.publish(`bench.floor.${c}`, String(i)), pids)
    const claim = await measure('claim', (c, i) => ops.claim(`bench/${c}/${i}`, `owner-${c}`), pids)
    await ops.close()
    return [floor, claim]
  } finally {
    await nc.close()
    await cluster.close()
  }
}

const ms = (x: number) => x.toFixed(2)
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`
const row = (name: string, m: Measure, floor: Measure) =>
  `| ${name} | ${ms(m.p50)} | ${ms(m.p99)} | ${m.opsPerSec.toFixed(0)} | ${ms(m.clientCpu)} + ${ms(m.serverCpu)} | ${ratio(m.p50, floor.p50)} | ${ratio(m.p99, floor.p99)} | ${ratio(floor.opsPerSec, m.opsPerSec)} |`

const [pgFloor, pgClaim] = await benchPostgres()
const [jsFloor, jsClaim] = await benchJetStream()
console.log(`
${SECONDS} s per measurement; latency: one client, one op at a time; throughput: ${CONCURRENCY} concurrent clients, each claiming its own names; CPU: ms per op in this process + in the servers. Loopback, no added delay.

| op | p50 ms | p99 ms | ops/s | CPU ms/op (client + server) | p50 vs floor | p99 vs floor | floor ops/s ÷ ops/s |
|---|---|---|---|---|---|---|---|
${row('PostgreSQL: SELECT 1 (floor)', pgFloor, pgFloor)}
${row('PostgreSQL: claim', pgClaim, pgFloor)}
${row('JetStream R=3: publish (floor)', jsFloor, jsFloor)}
${row('JetStream R=3: claim', jsClaim, jsFloor)}
`)
process.exit(0)
