/**
 * Measures `weft-server audit` over many docs on PostgreSQL: wall time and
 * peak memory (VmHWM of the audit process), at two sizes, to show it streams
 * (peak memory flat while docs grow tenfold).
 *
 *   node --import tsx tests/audit/measure-audit.ts [docs=10000] [deltasPerDoc=10]
 *
 * Writes the figures to bench/results/audit.md and prints them.
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Doc, inspectDelta } from '@weft/crdt-core'
import { PostgresStore } from '@weft/server'
import { createTestDatabase } from '@weft/server/testing'

const root = fileURLToPath(new URL('../../', import.meta.url))
const cli = fileURLToPath(new URL('../../packages/server/src/cli.ts', import.meta.url))
const tsx = pathToFileURL(createRequire(`${root}package.json`).resolve('tsx/esm')).href

const bigDocs = Number(process.argv[2] ?? 10_000)
const perDoc = Number(process.argv[3] ?? 10)

/** One doc's history: `perDoc` typed words, each its own delta. */
function history(replicaId: number): Uint8Array[] {
  const d = new Doc({ replicaId })
  const out: Uint8Array[] = []
  d.on('delta', (b: Uint8Array) => out.push(b.slice()))
  for (let i = 0; i < perDoc; i++) d.getText('body').insert(d.getText('body').toString().length, `word${i} `)
  return out
}

async function fill(store: PostgresStore, from: number, to: number): Promise<void> {
  const chunk = 200
  for (let start = from; start < to; start += chunk) {
    await Promise.all(
      Array.from({ length: Math.min(chunk, to - start) }, async (_, k) => {
        const i = start + k
        for (const bytes of history(1000 + i)) await store.append(`doc:${String(i).padStart(6, '0')}`, { bytes, ranges: inspectDelta(bytes).ranges })
      }),
    )
  }
}

/** Runs the real CLI, sampling its peak RSS (VmHWM) until it exits. */
function runAudit(url: string): Promise<{ code: number | null; ms: number; auditMs: number; peakMiB: number; docs: number; findings: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['--import', tsx, cli, 'audit', '--store', url, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    let peakKiB = 0
    child.stdout.on('data', (b: Buffer) => (out += b.toString()))
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]))
      } catch {
        // exited between samples
      }
    }, 50)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearInterval(sample)
      try {
        const report = JSON.parse(out) as { docsAudited: number; findingsTotal: number; durationMs: number }
        resolve({
          code,
          ms: performance.now() - started,
          auditMs: report.durationMs,
          peakMiB: peakKiB / 1024,
          docs: report.docsAudited,
          findings: report.findingsTotal,
        })
      } catch (error) {
        reject(new Error(`audit exited ${code} without a JSON report: ${String(error)}`))
      }
    })
  })
}

const db = await createTestDatabase()
try {
  const store = await PostgresStore.open({ url: db.url, poolSize: 8 })
  const small = Math.round(bigDocs / 10)
  const rows: string[] = []
  let filled = 0
  for (const n of [small, bigDocs]) {
    const t = performance.now()
    await fill(store, filled, n)
    filled = n
    console.log(`filled ${n} docs (${n * perDoc} deltas) in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    const r = await runAudit(db.url)
    const line = `| ${r.docs} | ${r.docs * perDoc} | ${(r.auditMs / 1000).toFixed(1)} s | ${(r.ms / 1000).toFixed(1)} s | ${Math.round(r.docs / (r.auditMs / 1000))} | ${r.peakMiB.toFixed(0)} MiB | ${r.findings} | ${r.code} |`
    console.log(line)
    rows.push(line)
  }
  await store.close()
  const md = `# weft-server audit over PostgreSQL

\`node --import tsx tests/audit/measure-audit.ts ${bigDocs} ${perDoc}\` on ${new Date().toISOString().slice(0, 10)}: a fresh
database on the local PostgreSQL, docs of ${perDoc} deltas each, the real CLI process (run from source with tsx, so
its start and transform are in the process wall time; the audit time is the report's own). Peak memory is the
process's VmHWM, sampled every 50 ms.

| docs | deltas | audit time | process wall time | docs/s | peak RSS | findings | exit |
|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
`
  writeFileSync(fileURLToPath(new URL('../../bench/results/audit.md', import.meta.url)), md)
} finally {
  await db.drop()
}
