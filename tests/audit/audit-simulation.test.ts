import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { inspectDelta } from '@weft/crdt-core'
import { runAuditCommand } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, runSimulation } from '../simulation/simulation.js'
import { type AuditedStore, compact, openPostgres, openSqlite } from './stores.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const cli = fileURLToPath(new URL('../../packages/server/src/cli.ts', import.meta.url))
const tsx = pathToFileURL(createRequire(`${root}package.json`).resolve('tsx/esm')).href

/** The real `weft-server audit` process (tsx from source). */
function auditProcess(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', tsx, cli, 'audit', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const seed = Number(process.env.WEFT_AUDIT_SIM_SEED ?? 20_261_202)

describe('weft-server audit after a seeded simulation', () => {
  let s: AuditedStore | undefined
  afterEach(async () => {
    await s?.cleanup()
    s = undefined
  })

  it(`the durable log of a long faulty run (3 devices of production-client tabs, 2 nodes, drops, crashes) audits clean, also compacted (seed ${seed})`, async () => {
    const sim = await runSimulation(seed, { ...DEFAULT_CONFIG, docs: 3, opsPerDevice: 400 })
    expect(sim.problems, `seed ${seed}`).toEqual([])
    s = await openSqlite()
    let deltas = 0
    for (const [doc, log] of sim.log) {
      for (const bytes of log) await s.store.append(doc, { bytes, ranges: inspectDelta(bytes).ranges })
      deltas += log.length
      // One doc compacted and pruned as the server's compactor would.
      if (doc === [...sim.log.keys()][0] && log.length > 20) await compact(s.store, doc, log.length - 10, 5)
    }
    // Tabs upload compactly after reconnects, so the log holds fewer, larger deltas than ops.
    console.log(`audit of a faulty run, seed ${seed}: ${deltas} stored deltas`)
    expect(deltas, `seed ${seed}`).toBeGreaterThan(20)
    await s.closeStore()
    let out = ''
    const code = await runAuditCommand([...s.args, '--json'], {}, { write: (x: string) => (out += x) }, { write: () => {} })
    expect(JSON.parse(out).findings, `seed ${seed}`).toEqual([])
    expect(code).toBe(0)
  })

  it('the CLI process: exit 0 on a clean store, 1 with a finding (table on stdout), 2 when it cannot audit', async () => {
    s = await openPostgres()
    for (const [doc, log] of (await runSimulation(seed, { ...DEFAULT_CONFIG, opsPerDevice: 15 })).log) {
      for (const bytes of log) await s.store.append(doc, { bytes, ranges: inspectDelta(bytes).ranges })
    }
    await s.closeStore()
    const clean = auditProcess(s.args)
    expect(clean.stdout).toMatch(/OK: no findings/)
    expect(clean.code).toBe(0)
    await s.raw('DELETE FROM deltas WHERE seq = 2')
    const found = auditProcess(s.args)
    expect(found.stdout).toMatch(/^CHECK +DOC +FINDING$/m)
    expect(found.stdout).toMatch(/seq-gap +\S+ +seq 2 missing from the log/)
    expect(found.code).toBe(1)
    let err = ''
    const cannot = await runAuditCommand(['--db', '/nonexistent/weft.db'], {}, { write: () => {} }, { write: (x: string) => (err += x) })
    expect(err).toMatch(/no SQLite database at \/nonexistent\/weft.db/)
    expect(cannot).toBe(2)
    // A simulated run and two CLI processes: 30 s alone, past 45 s beside the simulation schedules on 2 cores.
  }, 120_000)
})
