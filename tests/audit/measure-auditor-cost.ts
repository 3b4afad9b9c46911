/**
 * The continuous auditor's cost on foreground writes: ack latency (edit sent
 * -> durable ack back, real WebSocket clients, a SQLite file on the worker
 * thread) with the auditor off, then on at an aggressive pace over a store of
 * many docs. Alternates off/on rounds so machine noise hits both. Also
 * reports the process's CPU time per round (all threads: the SQLite worker
 * too), steadier than wall time on a shared machine, and how many docs the
 * auditor got through. With `corrupt` > 0 that many docs lose a delta first,
 * so the auditor reads and keeps open findings [AUDIT-5] as it goes.
 *
 *   node --import tsx tests/audit/measure-auditor-cost.ts [docs=2000] [rounds=3] [corrupt=0]
 *
 * Writes bench/results/auditor-cost.md and prints it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Doc, inspectDelta } from '@weft/crdt-core'
import { type ServerOptions, createServer } from '@weft/server'
import { DocClient } from '../server/helpers/doc-client.js'

const docs = Number(process.argv[2] ?? 2000)
const rounds = Number(process.argv[3] ?? 3)
const corrupt = Number(process.argv[4] ?? 0)
const WRITERS = 4
const EDITS = 250
const AUDIT: NonNullable<ServerOptions['audit']> = { intervalMs: 50, docsPerTick: 50, tickBudgetMs: 10 }

const dir = mkdtempSync(join(tmpdir(), 'weft-auditor-cost-'))
const dbPath = join(dir, 'weft.db')

async function prefill(): Promise<void> {
  const server = await createServer({ port: 0, dbPath, logLevel: 'silent' })
  const writes: Promise<number>[] = []
  for (let i = 0; i < docs; i++) {
    const d = new Doc({ replicaId: 10_000 + i })
    d.on('delta', (bytes: Uint8Array) => writes.push(server.store.append(`bg:${i}`, { bytes: bytes.slice(), ranges: inspectDelta(bytes).ranges })))
    for (let k = 0; k < 10; k++) d.getText('body').insert(k, 'x')
  }
  await Promise.all(writes)
  await server.close()
  if (corrupt > 0) {
    // Behind the server's back: seq 2 of the first `corrupt` docs goes (seq-gap, causal-gap findings).
    // better-sqlite3 from the server package (the tests package does not depend on it).
    const Database = createRequire(new URL('../../packages/server/package.json', import.meta.url))('better-sqlite3') as new (
      path: string,
    ) => { prepare(sql: string): { run(...params: unknown[]): unknown }; close(): void }
    const db = new Database(dbPath)
    const drop = db.prepare('DELETE FROM deltas WHERE doc = ? AND seq = 2')
    for (let i = 0; i < corrupt; i++) drop.run(`bg:${i}`)
    db.close()
  }
}

interface Round {
  readonly latencies: number[]
  /** CPU time of the whole process (every thread) during the round's writes, ms. */
  readonly cpuMs: number
  readonly wallMs: number
  readonly audited: number
}

async function measure(audit: boolean, round: number): Promise<Round> {
  const server = await createServer({ port: 0, dbPath, logLevel: 'silent', ...(audit && { audit: AUDIT }) })
  const latencies: number[] = []
  const cpu0 = process.cpuUsage()
  const wall0 = performance.now()
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const c = new DocClient(`fg:${round}:${audit}:${w}`)
      await c.connect(server.wsUrl)
      for (let i = 0; i < EDITS; i++) {
        const t = performance.now()
        const seq = c.edit((d) => d.getText('body').insert(0, 'k'))
        await c.acked(seq)
        latencies.push(performance.now() - t)
      }
      c.close()
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  const wallMs = performance.now() - wall0
  const status = await server.auditor?.status()
  const audited = status?.docsAudited ?? 0
  await server.close()
  if (audit) console.log(`round ${round}: the auditor checked ${audited} docs meanwhile (${status?.findings.length ?? 0} findings open)`)
  return { latencies, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, audited }
}

/**
 * The auditor alone (no writers): one whole pass over the store, with the
 * process's CPU time for it. Steadier than the p99 on a shared machine, and
 * what reading findings with each doc [AUDIT-5] costs per doc.
 */
async function solo(): Promise<{ readonly docs: number; readonly cpuMs: number; readonly wallMs: number; readonly findings: number }> {
  const server = await createServer({ port: 0, dbPath, logLevel: 'silent' })
  const idle0 = process.cpuUsage()
  const idleWall0 = performance.now()
  await new Promise((r) => setTimeout(r, 2000))
  // The idle server's own CPU per ms (timers, the worker), taken off the auditor's.
  const idlePerMs = (process.cpuUsage(idle0).user + process.cpuUsage(idle0).system) / 1000 / (performance.now() - idleWall0)
  await server.close()
  const audited = await createServer({ port: 0, dbPath, logLevel: 'silent', audit: AUDIT })
  const cpu0 = process.cpuUsage()
  const wall0 = performance.now()
  const auditor = audited.auditor
  if (!auditor) throw new Error('no auditor')
  // Polled twice a second: status() reads up to 1,000 open findings from the store, which every 20 ms would be
  // most of the CPU measured when every doc is corrupt (the harness's cost, not the auditor's).
  while ((await auditor.status()).passes < 1) await new Promise((r) => setTimeout(r, 500))
  const cpu = process.cpuUsage(cpu0)
  const wallMs = performance.now() - wall0
  const status = await auditor.status()
  await audited.close()
  return { docs: status.docsAudited, cpuMs: (cpu.user + cpu.system) / 1000 - idlePerMs * wallMs, wallMs, findings: status.findings.length }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number

try {
  await prefill()
  const offRounds: Round[] = []
  const onRounds: Round[] = []
  for (let r = 0; r < rounds; r++) {
    offRounds.push(await measure(false, r))
    onRounds.push(await measure(true, r))
  }
  const alone = await solo()
  console.log(`the auditor alone: ${alone.docs} docs in ${alone.wallMs.toFixed(0)} ms, ${alone.cpuMs.toFixed(0)} ms CPU`)
  const off = offRounds.flatMap((r) => r.latencies)
  const on = onRounds.flatMap((r) => r.latencies)
  const sum = (rs: Round[], f: (r: Round) => number) => rs.reduce((t, r) => t + f(r), 0)
  const cpuPerAck = (rs: Round[]) => sum(rs, (r) => r.cpuMs) / sum(rs, (r) => r.latencies.length)
  const row = (name: string, xs: number[], rs: Round[]) =>
    `| ${name} | ${xs.length} | ${pct(xs, 50).toFixed(2)} ms | ${pct(xs, 99).toFixed(2)} ms | ${Math.max(...xs).toFixed(1)} ms | ${cpuPerAck(rs).toFixed(2)} ms | ${sum(rs, (r) => r.wallMs / 1000).toFixed(1)} s |`
  const audited = sum(onRounds, (r) => r.audited)
  const auditedPerS = audited / sum(onRounds, (r) => r.wallMs / 1000)
  const md = `# The continuous auditor's cost on foreground writes

\`node --import tsx tests/audit/measure-auditor-cost.ts ${docs} ${rounds} ${corrupt}\` on ${new Date().toISOString().slice(0, 10)}: one server
in-process on a SQLite file (worker thread) holding ${docs} docs of 10 deltas${corrupt > 0 ? ` (${corrupt} of them missing a delta, so the auditor reads and keeps open findings)` : ''}, ${WRITERS} real WebSocket clients each
making ${EDITS} edits one after another (edit -> durable ack), ${rounds} rounds alternating auditor off and on.
Auditor on: a tick every ${AUDIT.intervalMs} ms, up to ${AUDIT.docsPerTick} docs, ${AUDIT.tickBudgetMs} ms budget per tick.

| auditor | acks | p50 | p99 | max | CPU per ack (all threads) | wall |
|---|---:|---:|---:|---:|---:|---:|
${row('off', off, offRounds)}
${row('on', on, onRounds)}

The auditor got through ${audited} docs while the writers ran (${auditedPerS.toFixed(0)} docs/s). Alone (no writers), one pass over
the ${alone.docs} docs took ${(alone.wallMs / 1000).toFixed(1)} s and ${alone.cpuMs.toFixed(0)} ms of CPU: ${(alone.cpuMs / alone.docs).toFixed(2)} ms of CPU per doc audited
(${alone.findings} findings open at its end).

p99 on - off: ${(pct(on, 99) - pct(off, 99)).toFixed(2)} ms; the budget ([AUDIT-3]) is the tick budget,
${AUDIT.tickBudgetMs} ms: ${pct(on, 99) - pct(off, 99) <= (AUDIT.tickBudgetMs ?? 10) ? 'within' : 'OVER BUDGET'}.
`
  console.log(md)
  if (pct(on, 99) - pct(off, 99) > (AUDIT.tickBudgetMs ?? 10)) process.exitCode = 1
  writeFileSync(fileURLToPath(new URL('../../bench/results/auditor-cost.md', import.meta.url)), md)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
