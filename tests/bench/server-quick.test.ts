/**
 * Smoke test of `pnpm bench:server --quick` against the Weft server only: every
 * scenario completes and yields numbers. Timings are not asserted (the bench
 * measures them); correctness of what was measured is (every edit delivered,
 * every idle connection held, the whole doc loaded).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const benchDir = fileURLToPath(new URL('../../bench/', import.meta.url))
const outDir = mkdtempSync(join(tmpdir(), 'weft-bench-server-test-'))
const out = join(outDir, 'server.json')

type Result = { ok: boolean; error?: string } & Record<string, unknown>
type Results = { meta: Record<string, unknown>; scenarios: Record<string, { weft?: Result }> }

function runQuick(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/run.ts', '--quick', '--servers', 'weft', '--out', out],
      { cwd: benchDir, timeout: 150_000, maxBuffer: 8 * 2 ** 20 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

afterAll(() => rmSync(outDir, { recursive: true, force: true }))

describe('bench:server --quick (weft)', () => {
  it('runs every scenario against the Weft server and writes numbers', { timeout: 180_000 }, async () => {
    const run = await runQuick()
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Weft / better peer')
    const results = JSON.parse(readFileSync(out, 'utf8')) as Results
    const weft = (name: string): Result => {
      const r = results.scenarios[name]?.weft
      expect(r, `${name} missing`).toBeDefined()
      expect(r?.error, name).toBeUndefined()
      expect(r?.ok, name).toBe(true)
      return r as Result
    }

    const fan = weft('fan-out')
    expect(fan.deliveriesExpected as number).toBeGreaterThan(0)
    expect(fan.deliveries).toBe(fan.deliveriesExpected)
    expect(Number.isFinite(fan.p99Ms)).toBe(true)
    expect(fan.serverRssMB as number).toBeGreaterThan(0)

    const many = weft('many-docs')
    expect(many.deliveries).toBe(many.deliveriesExpected)
    expect(many.deliveriesPerSecond as number).toBeGreaterThan(0)
    // The saturation search ran its steps at rising rates and named what stopped it.
    const sat = many.saturation as { steps: { offeredEditsPerSecond: number }[]; stoppedBy: string; sustained: unknown[]; p99BoundsMs: number[] }
    expect(sat.steps.length).toBeGreaterThan(0)
    expect(sat.sustained.length).toBe(sat.p99BoundsMs.length)
    const offered = sat.steps.map((s) => s.offeredEditsPerSecond)
    expect(offered).toEqual([...offered].sort((a, b) => a - b))
    expect(sat.stoppedBy).not.toBe('')

    const conns = weft('connections')
    expect(conns.connectionsHeld).toBe(100)
    expect(typeof conns.serverRssPerConnectionKB).toBe('number')

    const catchUp = weft('catch-up')
    expect(catchUp.missedEdits).toBe(300)
    expect(catchUp.bytesReceived as number).toBeGreaterThan(0)
    expect(catchUp.reconnectToCompleteMs as number).toBeGreaterThan(0)

    const cold = weft('cold-load')
    expect(cold.chars).toBe(32 * 1024)
    expect(cold.bytesReceived as number).toBeGreaterThanOrEqual(32 * 1024)
  })
})
