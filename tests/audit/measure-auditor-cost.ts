/**
 * The continuous auditor's cost on foreground writes: ack latency (edit sent
 * -> durable ack back, real WebSocket clients, a SQLite file on the worker
 * thread) with the auditor off, then on at an aggressive pace over a store of
 * many docs. Alternates off/on rounds so machine noise hits both.
 *
 *   node --import tsx tests/audit/measure-auditor-cost.ts [docs=2000] [rounds=3]
 *
 * Writes bench/results/auditor-cost.md and prints it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Doc, inspectDelta } from '@weft/crdt-core'
import { type ServerOptions, createServer } from '@weft/server'
import { DocClient } from '../server/helpers/doc-client.js'

const docs = Number(process.argv[2] ?? 2000)
const rounds = Number(process.argv[3] ?? 3)
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
}

async function measure(audit: boolean, round: number): Promise<number[]> {
  const server = await createServer({ port: 0, dbPath, logLevel: 'silent', ...(audit && { audit: AUDIT }) })
  const latencies: number[] = []
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
  const audited = (await server.auditor?.status())?.docsAudited ?? 0
  await server.close()
  if (audit) console.log(`round ${round}: the auditor checked ${audited} docs meanwhile`)
  return latencies
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number

try {
  await prefill()
  const off: number[] = []
  const on: number[] = []
  for (let r = 0; r < rounds; r++) {
    off.push(...(await measure(false, r)))
    on.push(...(await measure(true, r)))
  }
  const row = (name: string, xs: number[]) =>
    `| ${name} | ${xs.length} | ${pct(xs, 50).toFixed(2)} ms | ${pct(xs, 99).toFixed(2)} ms | ${Math.max(...xs).toFixed(1)} ms |`
  const md = `# The continuous auditor's cost on foreground writes

\`node --import tsx tests/audit/measure-auditor-cost.ts ${docs} ${rounds}\` on ${new Date().toISOString().slice(0, 10)}: one server
in-process on a SQLite file (worker thread) holding ${docs} docs of 10 deltas, ${WRITERS} real WebSocket clients each
making ${EDITS} edits one after another (edit -> durable ack), ${rounds} rounds alternating auditor off and on.
Auditor on: a tick every ${AUDIT.intervalMs} ms, up to ${AUDIT.docsPerTick} docs, ${AUDIT.tickBudgetMs} ms budget per tick.

| auditor | acks | p50 | p99 | max |
|---|---:|---:|---:|---:|
${row('off', off)}
${row('on', on)}

p99 on - off: ${(pct(on, 99) - pct(off, 99)).toFixed(2)} ms; the budget ([AUDIT-3]) is the tick budget,
${AUDIT.tickBudgetMs} ms: ${pct(on, 99) - pct(off, 99) <= (AUDIT.tickBudgetMs ?? 10) ? 'within' : 'OVER BUDGET'}.
`
  console.log(md)
  if (pct(on, 99) - pct(off, 99) > (AUDIT.tickBudgetMs ?? 10)) process.exitCode = 1
  writeFileSync(fileURLToPath(new URL('../../bench/results/auditor-cost.md', import.meta.url)), md)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
