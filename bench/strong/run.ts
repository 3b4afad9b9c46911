/**
 * pnpm bench:strong — what a strong op costs against its floor, in one run:
 *
 * 1. Loopback (no added delay):
 *    - PostgreSQL: PgStrongOps.claim vs one round trip (`SELECT 1`) on the same pool;
 *    - JetStream R=3 (a real 3-node cluster on loopback): JetStreamStrongOps.claim
 *      vs one Raft round (a plain publish to an R=3 stream, acked after quorum).
 *    For each: latency p50/p99 of one client doing one op at a time, throughput
 *    of `--concurrency` clients each on its own names, and CPU time per op
 *    (this process + the server processes, from /proc).
 * 2. WAN (three regions, tests/strong/strong-regions.ts): each region a network
 *    namespace with one JetStream node (the bucket R=3, one replica per region)
 *    and one weft node; one-way delays between regions injected by the regions
 *    harness's user-space delayer (this kernel has no netem). A client of
 *    region a, over its WebSocket to a's weft node, times `client.strong`
 *    claim / compareAndSet / bounded add against a plain CRDT write (a list
 *    push, until `whenSaved('server')`), with the bucket's Raft leader in the
 *    client's region and then in another one; the floor is a bare publish to
 *    the same stream from region a (the leader hop plus one Raft round).
 *    Needs network namespaces (root); elsewhere this part is skipped and the
 *    report says why.
 *
 * 3. PostgreSQL across a WAN link: PgStrongOps in this process, its pool
 *    connected through a TCP proxy that delays each direction by the one-way
 *    delay of a–b and of a–c (the weft node in region a, the primary in b or
 *    c); claim latency and throughput against one round trip (`SELECT 1`)
 *    over the same link.
 *
 * Flags: --seconds N (per loopback measurement, default 4), --concurrency C
 * (default 8), --ops N (ops per WAN measurement, default 200), --delays
 * AB,AC,BC (one-way ms, default 20,40,50), --only loopback|wan, --no-write
 * (results go to stdout only; otherwise also to results/strong.md).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { createClient, isWeftUnavailableError, memoryStorage } from '@weft/client'
import { JetStreamStrongOps, PgStrongOps } from '@weft/server'
import pg from 'pg'
import { type StrongRegions, startStrongRegions, strongRegionsUnavailable } from '../../tests/strong/strong-regions.js'
import { startNatsCluster } from '../../tests/support/nats-cluster.js'
import { createTempDatabase } from '../../tests/support/pg-database.js'
import { startDelayProxy } from './delay-proxy.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const SECONDS = flag('seconds', 4)
const CONCURRENCY = flag('concurrency', 8)
const OPS = flag('ops', 200)
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined
const write = !args.includes('--no-write')
const delayArg = (args.includes('--delays') ? args[args.indexOf('--delays') + 1] : '20,40,50')!.split(',').map(Number)
const DELAYS = { 'a-b': delayArg[0] ?? 20, 'a-c': delayArg[1] ?? 40, 'b-c': delayArg[2] ?? 50 }

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
  // The database is dropped WITH (FORCE) at the end, which terminates connections the pool may still hold idle.
  pool.on('error', () => {})
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

/** Latency percentiles of one op run `OPS` times in a row (after 10 warm-up calls). */
interface Lat {
  readonly p50: number
  readonly p99: number
  readonly n: number
}

async function latencies(label: string, op: (i: number) => Promise<unknown>): Promise<Lat> {
  for (let i = 0; i < 10; i++) await op(-1 - i)
  const xs: number[] = []
  for (let i = 0; i < OPS; i++) {
    const t = performance.now()
    await op(i)
    xs.push(performance.now() - t)
  }
  xs.sort((a, b) => a - b)
  const m = { p50: percentile(xs, 0.5), p99: percentile(xs, 0.99), n: xs.length }
  console.error(`  ${label}: p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms (${m.n} ops)`)
  return m
}

interface PgWanRow {
  readonly oneWayMs: number
  readonly floor: Lat
  readonly claim: Lat
  readonly throughput: { readonly opsPerSec: number; readonly refusedPerSec: number }
}

/** PgStrongOps with the primary a WAN link away: every query pays the link's round trip. */
async function benchPostgresWan(oneWayMs: number): Promise<PgWanRow> {
  console.error(`PostgreSQL across a WAN link, ${oneWayMs} ms one way`)
  const db = await createTempDatabase()
  const url = new URL(db.url)
  const proxy = await startDelayProxy({ host: url.hostname, port: Number(url.port || 5432) }, oneWayMs)
  url.hostname = '127.0.0.1'
  url.port = String(proxy.port)
  const pool = new pg.Pool({ connectionString: url.toString(), max: CONCURRENCY + 1 })
  pool.on('error', () => {})
  const ops = await PgStrongOps.open({ pool })
  try {
    const floor = await latencies('SELECT 1 (floor)', () => pool.query('SELECT 1'))
    const claim = await latencies('claim', (i) => ops.claim(`wan/${oneWayMs}/${i}`, 'owner'))
    const throughput = await claimThroughput((name) => ops.claim(name, 'owner'), 'PostgreSQL claims')
    return { oneWayMs, floor, claim, throughput }
  } finally {
    await ops.close()
    await pool.end()
    await proxy.close()
    await db.drop()
  }
}

interface WanRow {
  readonly leader: string
  /** The floor from the configured delays: the hop to the leader and back, plus the leader's round trip to its nearest follower. */
  readonly computedFloor: number
  readonly floor: Lat
  readonly crdt: Lat
  readonly claim: Lat
  readonly cas: Lat
  readonly add: Lat
  /** `CONCURRENCY` claims at a time from region a's client for `WAN_THROUGHPUT_S`: ops/s decided, and refused for contention. */
  readonly throughput: { readonly opsPerSec: number; readonly refusedPerSec: number }
}

/** Long enough for a few hundred WAN round trips. */
const WAN_THROUGHPUT_S = 10

async function claimThroughput(claim: (name: string) => Promise<unknown>, label: string): Promise<{ opsPerSec: number; refusedPerSec: number }> {
  let ok = 0
  let refused = 0
  const start = performance.now()
  const end = start + WAN_THROUGHPUT_S * 1_000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        try {
          await claim(`bench/t/${label}/${c}/${i}`)
          ok++
        } catch (e) {
          if (!isWeftUnavailableError(e)) throw e
          refused++
        }
      }
    }),
  )
  const wall = (performance.now() - start) / 1_000
  const m = { opsPerSec: ok / wall, refusedPerSec: refused / wall }
  console.error(`  claim throughput, ${CONCURRENCY} at a time: ${m.opsPerSec.toFixed(1)} ops/s, ${m.refusedPerSec.toFixed(1)} refused/s`)
  return m
}

const delay = (a: string, b: string) => (a === b ? 0 : (DELAYS[`${a < b ? a : b}-${a < b ? b : a}` as keyof typeof DELAYS] ?? 0))

/** Moves the bucket's stream leader to `want` (a stepdown elects a random other replica: repeat until it lands there). */
async function placeLeader(net: StrongRegions, nc: NatsConnection, want: string): Promise<string | undefined> {
  for (let i = 0; i < 20; i++) {
    const leader = await net.leaderRegion('a')
    if (leader === want) return leader
    if (leader !== undefined) await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.KV_${net.bucket}`, '', { timeout: 5_000 }).catch(() => {})
    await new Promise((r) => setTimeout(r, 1_500))
  }
  return net.leaderRegion('a')
}

async function benchWan(): Promise<WanRow[]> {
  console.error(`WAN: 3 regions in network namespaces, one-way delays ${JSON.stringify(DELAYS)} ms; the client in region a`)
  const net = await startStrongRegions({ names: ['a', 'b', 'c'], delayMs: delay })
  const client = createClient({ url: [net.node('a').wsUrl], storage: memoryStorage(), tabs: false, online: false })
  // A NATS client in region a (the test process reaches a's namespace with no delay), for the floor and the leader moves.
  const nc = await connect({ servers: net.natsUrl('a'), ignoreClusterUpdates: true })
  const rows: WanRow[] = []
  try {
    const js = jetstream(nc, { timeout: 10_000 })
    const end = Date.now() + 30_000
    while (!client.strong.available && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    const doc = client.doc('bench:crdt')
    await doc.ready
    for (const want of ['a', 'b']) {
      const leader = await placeLeader(net, nc, want)
      if (leader === undefined) throw new Error('the bucket has no stream leader')
      console.error(` leader in region ${leader}`)
      const nearest = Math.min(...['a', 'b', 'c'].filter((r) => r !== leader).map((r) => delay(leader, r)))
      let reg: number | null = null
      const row: WanRow = {
        leader,
        computedFloor: 2 * delay('a', leader) + 2 * nearest,
        floor: await latencies('R=3 publish to the bucket (floor)', (i) => js.publish(`$KV.${net.bucket}.bench_floor`, String(i))),
        crdt: await latencies('CRDT write, saved by the server', async (i) => {
          doc.doc.getList('set').push(`e${leader}${i}`)
          await doc.whenSaved('server')
        }),
        claim: await latencies('claim', (i) => client.strong.claim(`bench/${leader}/${i}`, 'bench')),
        cas: await latencies('compareAndSet', async (i) => {
          const r = await client.strong.compareAndSet(`bench:reg:${leader}`, reg, i)
          if (!r.ok) throw new Error(`compareAndSet from ${reg} to ${i} failed: a single writer must never conflict`)
          reg = i
        }),
        add: await latencies('add (bounded)', () => client.strong.add(`bench:seats:${leader}`, 1, { min: 0, max: 1_000_000 })),
        throughput: await claimThroughput((name) => client.strong.claim(name, 'bench'), leader),
      }
      rows.push(row)
    }
  } finally {
    await nc.close().catch(() => {})
    await client.close()
    await net.close()
  }
  return rows
}

const ms = (x: number) => x.toFixed(2)
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`
const row = (name: string, m: Measure, floor: Measure) =>
  `| ${name} | ${ms(m.p50)} | ${ms(m.p99)} | ${m.opsPerSec.toFixed(0)} | ${ms(m.clientCpu)} + ${ms(m.serverCpu)} | ${ratio(m.p50, floor.p50)} | ${ratio(m.p99, floor.p99)} | ${ratio(floor.opsPerSec, m.opsPerSec)} |`

const load0 = loadavg()[0] ?? 0
const sections: string[] = []
if (only !== 'wan') {
  const [pgFloor, pgClaim] = await benchPostgres()
  const [jsFloor, jsClaim] = await benchJetStream()
  sections.push(`## Loopback

${SECONDS} s per measurement; latency: one client, one op at a time; throughput: ${CONCURRENCY} concurrent clients, each claiming its own names; CPU: ms per op in this process + in the servers. Loopback, no added delay; PostgreSQL 15 (the shared 127.0.0.1:5432, own database), nats-server 3 nodes on loopback.

| op | p50 ms | p99 ms | ops/s | CPU ms/op (client + server) | p50 vs floor | p99 vs floor | floor ops/s ÷ ops/s |
|---|---|---|---|---|---|---|---|
${row('PostgreSQL: SELECT 1 (floor)', pgFloor, pgFloor)}
${row('PostgreSQL: claim', pgClaim, pgFloor)}
${row('JetStream R=3: publish (floor)', jsFloor, jsFloor)}
${row('JetStream R=3: claim', jsClaim, jsFloor)}
`)
}
if (only !== 'loopback') {
  const why = strongRegionsUnavailable()
  if (why) {
    console.error(`WAN part skipped: ${why}`)
    sections.push(`## WAN\n\nNot measured in this run: ${why} (the WAN part needs network namespaces).\n`)
  } else {
    const rows = await benchWan()
    const f = (x: number) => x.toFixed(1)
    const lines = rows.flatMap((r) => {
      const line = (name: string, m: Lat) =>
        `| ${r.leader} | ${name} | ${f(m.p50)} | ${f(m.p99)} | ${ratio(m.p50, r.crdt.p50)} | ${ratio(m.p50, r.floor.p50)} | ${ratio(m.p99, r.floor.p99)} | ${ratio(m.p50, r.computedFloor)} |`
      return [
        line('CRDT write (saved by a)', r.crdt),
        line('R=3 publish (floor)', r.floor),
        line('claim', r.claim),
        line('compareAndSet', r.cas),
        line('add, bounded', r.add),
      ]
    })
    sections.push(`## WAN: three regions, one-way delays a–b ${DELAYS['a-b']} ms, a–c ${DELAYS['a-c']} ms, b–c ${DELAYS['b-c']} ms

Each region a network namespace (tests/strong/strong-regions.ts) with one JetStream node (the bucket R=3: one replica per region) and one weft node (SQLite store). The delays are added to every packet between regions by the regions harness's user-space delayer (tests/regions/harness/wan-delayer.py; this kernel has no netem). One client of region a, connected to a's weft node over a WebSocket with no added delay, runs each op ${OPS} times in a row (after 10 warm-up calls), one at a time; p50 / p99 of those. The bucket's stream leader is moved (stepdown until it lands) to region a, then to region b. Floor, measured: a bare publish to the same stream from region a (a NATS client in a, no expectation): the hop to the leader plus one Raft round. Floor, computed from the delays: 2 × (a → leader) + 2 × (leader → its nearest follower).

| leader in | op | p50 ms | p99 ms | p50 ÷ CRDT write p50 | p50 ÷ measured floor p50 | p99 ÷ measured floor p99 | p50 ÷ computed floor (${rows.map((r) => `${r.leader}: ${r.computedFloor} ms`).join(', ')}) |
|---|---|---|---|---|---|---|---|
${lines.join('\n')}

Throughput: ${CONCURRENCY} claims at a time (each its own name) from the same client for ${WAN_THROUGHPUT_S} s. Every op on the bucket expects the stream's last sequence (nats-server 2.9.10, see packages/server/docs/strong-operations.md), so concurrent ops conflict and retry; those that give up are refused (\`contention\`).

| leader in | claims decided / s | refused / s |
|---|---|---|
${rows.map((r) => `| ${r.leader} | ${r.throughput.opsPerSec.toFixed(1)} | ${r.throughput.refusedPerSec.toFixed(1)} |`).join('\n')}

Reading it:

- Leader in the client's region: an op's three requests (stream info, get, conditional publish: see the 2.9.10 caveat in the docs) are answered in the region, and the publish waits for one Raft round, the leader's round trip to its nearest follower: about the floor. A CRDT write is acked by the region's own weft node (its SQLite commit) and never waits for the WAN.
- Leader in another region: the op is forwarded over NATS to the weft node at the leader ([STRONG-FAIR-1]) and decided there, so it costs one round trip to the leader's region plus the Raft round, as the floor does (before forwarding, each of the op's three requests crossed the WAN: about 3 × the round trip plus the Raft round, 2.1 × the floor).
- Throughput: concurrent claims serialize on the bucket (each expects the stream's last sequence), about one per read-and-publish cycle.
`)
  }
  const pgRows: PgWanRow[] = []
  for (const d of [DELAYS['a-b'], DELAYS['a-c']]) pgRows.push(await benchPostgresWan(d))
  const f = (x: number) => x.toFixed(1)
  sections.push(`## PostgreSQL across a WAN link

PostgreSQL decides strong ops in one region (its primary); a weft node in another region pays the link on every op. PgStrongOps runs in this process with its pool connected through a TCP proxy that delivers each chunk one way-delay late in each direction (bench/strong/delay-proxy.ts; the namespaces harness hosts no PostgreSQL): the one-way delays of a–b and a–c above. ${OPS} ops in a row after 10 warm-up calls; floor: \`SELECT 1\` over the same link (one round trip). Throughput: ${CONCURRENCY} claims at a time, each its own name, for ${WAN_THROUGHPUT_S} s.

| one-way ms | floor p50 | floor p99 | claim p50 | claim p99 | p50 ÷ floor | p99 ÷ floor | claims / s | refused / s |
|---|---|---|---|---|---|---|---|---|
${pgRows.map((r) => `| ${r.oneWayMs} | ${f(r.floor.p50)} | ${f(r.floor.p99)} | ${f(r.claim.p50)} | ${f(r.claim.p99)} | ${ratio(r.claim.p50, r.floor.p50)} | ${ratio(r.claim.p99, r.floor.p99)} | ${r.throughput.opsPerSec.toFixed(1)} | ${r.throughput.refusedPerSec.toFixed(1)} |`).join('\n')}

A claim is one statement (a conditional upsert), so one round trip to the primary: about the floor. Concurrent claims on different names do not conflict in PostgreSQL, so throughput is the pool's ${CONCURRENCY} connections over the round trip.
`)
}
const report = `# pnpm bench:strong — results

One run on ${cpus().length} cores shared with other work (load average ${load0.toFixed(1)} at the start), ${new Date().toISOString().slice(0, 10)}. Every figure is of that one run; compare the ratios, not the figures across runs.

${sections.join('\n')}`
console.log(report)
if (write) writeFileSync(new URL('../results/strong.md', import.meta.url), report)
process.exit(0)
