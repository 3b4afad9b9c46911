/**
 * `pnpm bench:cluster`: what running several nodes costs.
 *
 * 1. Cross-node hop: a writer on node 1, a reader on node 1 and a reader on
 *    node 2 (both built `weft-server` processes over one PostgreSQL database
 *    and one NATS server). For each edit, the time until each reader has it;
 *    the hop is the difference per edit (both include the durable commit).
 * 2. Append throughput of one node: clients keep 4 deltas in flight each
 *    against one node over PostgreSQL, then over SQLite; acks per second,
 *    and CPU per append of the node (and of PostgreSQL's backends).
 * 3. Server CPU per delivered edit in the hop run (both nodes' processes).
 *
 * Results: bench/results/cluster.{md,json}. Compare ratios; the machine has 2
 * cores shared with other work, so CPU time per operation is reported beside
 * wall-clock figures.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase } from '@weft/server/testing'
import { procCpuMs, startNode } from './node-process.js'
import { RawDocClient } from './raw-client.js'

const NATS = process.env.WEFT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222'
const HOP_EDITS = Number(process.env.WEFT_BENCH_HOP_EDITS ?? 400)
const TPUT_SECONDS = Number(process.env.WEFT_BENCH_TPUT_SECONDS ?? 8)
const TPUT_CLIENTS = Number(process.env.WEFT_BENCH_TPUT_CLIENTS ?? 16)

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN
}
const ms = (x: number) => `${x.toFixed(2)} ms`
const sleep = (t: number) => new Promise((r) => setTimeout(r, t))

async function pgBackendsCpuMs(db: { admin(sql: string, p?: unknown[]): Promise<{ rows: { pid: number }[] }>; name: string }): Promise<number> {
  const { rows } = await db.admin('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.name])
  return rows.reduce((n, r) => n + procCpuMs(r.pid), 0)
}

async function hop() {
  const db = await createTestDatabase()
  const prefix = `weft_bench_${randomBytes(4).toString('hex')}`
  const common = ['--store', db.url, '--bus', NATS, '--bus-prefix', prefix]
  const n1 = await startNode([...common, '--node-id', 'n1'])
  const n2 = await startNode([...common, '--node-id', 'n2'])
  try {
    const w = await RawDocClient.open(n1.wsUrl, 'bench:hop')
    const same = await RawDocClient.open(n1.wsUrl, 'bench:hop')
    const cross = await RawDocClient.open(n2.wsUrl, 'bench:hop')
    const sameMs: number[] = []
    const crossMs: number[] = []
    const hopMs: number[] = []
    const run = async (n: number, record: boolean) => {
      for (let i = 0; i < n; i++) {
        const key = `k${record ? 'r' : 'w'}${i}`
        const got = { same: 0, cross: 0 }
        const done = new Promise<void>((resolve) => {
          const check = () => {
            const t = performance.now()
            if (!got.same && same.doc.getMap('m').get(key) !== undefined) got.same = t
            if (!got.cross && cross.doc.getMap('m').get(key) !== undefined) got.cross = t
            if (got.same && got.cross) resolve()
          }
          same.onDelta = check
          cross.onDelta = check
        })
        const t0 = performance.now()
        w.edit((d) => d.getMap('m').set(key, i))
        await Promise.race([done, sleep(5000)])
        if (record && got.same && got.cross) {
          sameMs.push(got.same - t0)
          crossMs.push(got.cross - t0)
          hopMs.push(got.cross - got.same)
        }
        await sleep(5)
      }
    }
    await run(50, false)
    const cpu0 = n1.cpuMs() + n2.cpuMs()
    const pg0 = await pgBackendsCpuMs(db)
    await run(HOP_EDITS, true)
    const nodeCpu = n1.cpuMs() + n2.cpuMs() - cpu0
    const pgCpu = (await pgBackendsCpuMs(db)) - pg0
    for (const c of [w, same, cross]) c.close()
    const delivered = sameMs.length * 2
    return {
      edits: sameMs.length,
      sameNode: { p50: pct(sameMs, 50), p99: pct(sameMs, 99) },
      crossNode: { p50: pct(crossMs, 50), p99: pct(crossMs, 99) },
      hop: { p50: pct(hopMs, 50), p99: pct(hopMs, 99) },
      nodeCpuMsPerDeliveredEdit: nodeCpu / delivered,
      pgCpuMsPerEdit: pgCpu / sameMs.length,
    }
  } finally {
    await n1.stop()
    await n2.stop()
    await db.drop()
  }
}

async function throughput(kind: 'postgres' | 'sqlite') {
  const db = kind === 'postgres' ? await createTestDatabase() : undefined
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'))
  const node = await startNode(db ? ['--store', db.url] : ['--db', join(dir, 'weft.db')])
  try {
    const clients = await Promise.all(Array.from({ length: TPUT_CLIENTS }, (_, i) => RawDocClient.open(node.wsUrl, `bench:tput:${i}`)))
    let stop = false
    let appends = 0
    const loops = clients.map(async (c, i) => {
      let k = 0
      const inFlight = 4
      while (!stop) {
        while (!stop && c.acked + inFlight > k) {
          c.edit((d) => d.getMap('m').set(`c${i}.${k}`, k))
          k++
        }
        await new Promise<void>((r) => {
          c.onAck = r
          setTimeout(r, 1000)
        })
      }
      return c
    })
    await sleep(1000) // warm up
    const a0 = clients.reduce((n, c) => n + c.acked, 0)
    const cpu0 = node.cpuMs()
    const pg0 = db ? await pgBackendsCpuMs(db) : 0
    const t0 = performance.now()
    await sleep(TPUT_SECONDS * 1000)
    const seconds = (performance.now() - t0) / 1000
    appends = clients.reduce((n, c) => n + c.acked, 0) - a0
    const nodeCpu = node.cpuMs() - cpu0
    const pgCpu = db ? (await pgBackendsCpuMs(db)) - pg0 : 0
    stop = true
    await Promise.all(loops)
    for (const c of clients) c.close()
    return { kind, appendsPerSecond: appends / seconds, nodeCpuMsPerAppend: nodeCpu / appends, dbCpuMsPerAppend: db ? pgCpu / appends : undefined }
  } finally {
    await node.stop()
    await db?.drop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const loadAtStart = loadavg()[0] ?? 0
const hopResult = await hop()
const pg = await throughput('postgres')
const sqlite = await throughput('sqlite')
const ratio = pg.appendsPerSecond / sqlite.appendsPerSecond
const loadAtEnd = loadavg()[0] ?? 0
const results = { date: new Date().toISOString(), loadavg: [loadAtStart, loadAtEnd], hop: hopResult, throughput: { postgres: pg, sqlite, ratio } }
const md = `# Cluster bench (\`pnpm bench:cluster\`)

${results.date}; 2 nodes over one PostgreSQL database and one NATS server, built \`weft-server\` processes, load generator in a third process. Load average (1 min) ${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end, on 2 cores: latency figures from a loaded machine are inflated by CPU contention.

## Cross-node delivery (${hopResult.edits} edits, one at a time)

| | p50 | p99 |
|---|--:|--:|
| writer on node 1 → reader on node 1 (same node) | ${ms(hopResult.sameNode.p50)} | ${ms(hopResult.sameNode.p99)} |
| writer on node 1 → reader on node 2 (cross node) | ${ms(hopResult.crossNode.p50)} | ${ms(hopResult.crossNode.p99)} |
| **added by the hop** (per edit, cross − same) | **${ms(hopResult.hop.p50)}** (target ≤ 2 ms) | **${ms(hopResult.hop.p99)}** (target ≤ 10 ms) |

Server CPU per delivered edit (both node processes): ${hopResult.nodeCpuMsPerDeliveredEdit.toFixed(3)} ms; PostgreSQL backends per edit: ${hopResult.pgCpuMsPerEdit.toFixed(3)} ms.

## Append throughput of one node (${TPUT_CLIENTS} clients × 4 deltas in flight, ${TPUT_SECONDS} s)

| store | appends/s | node CPU per append | database CPU per append |
|---|--:|--:|--:|
| PostgreSQL | ${pg.appendsPerSecond.toFixed(0)} | ${pg.nodeCpuMsPerAppend.toFixed(3)} ms | ${pg.dbCpuMsPerAppend?.toFixed(3)} ms |
| SQLite (worker thread) | ${sqlite.appendsPerSecond.toFixed(0)} | ${sqlite.nodeCpuMsPerAppend.toFixed(3)} ms | (in the node) |
| **PostgreSQL / SQLite** | **${ratio.toFixed(2)}×** (target ≥ 0.5×) | | |
`
mkdirSync(new URL('../results/', import.meta.url), { recursive: true })
writeFileSync(new URL('../results/cluster.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(new URL('../results/cluster.md', import.meta.url), md)
process.stdout.write(md)
