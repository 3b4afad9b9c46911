/**
 * The bench report: medians into tables, Weft / peer ratios, failure cells, and issue 3's targets.
 */
import { describe, expect, it } from 'vitest'
import type { Outcome } from '../../bench/crdt/child.js'
import { toMarkdown } from '../../bench/crdt/report.js'
import { medianFigures, type BenchResults, type LibResult } from '../../bench/crdt/results.js'
import { checkTargets } from '../../bench/crdt/targets.js'

function ok(figures: Record<string, number>): Outcome {
  return { status: 'ok', figures: figures as never }
}

function lib(local: number, remote: number, snapshotBytes: number, load: number, memory: number): LibResult {
  const step = (runs: Outcome[]) => ({ runs, median: medianFigures(runs) })
  return {
    local: step([ok({ ms: local, updates: 3, updateBytes: 30, snapshotBytes, snapshotMs: 1 })]),
    remote: step([ok({ ms: remote })]),
    load: step([ok({ ms: load })]),
    memory: step([ok({ heapBytes: memory, wasmBytes: 0, arrayBufferBytes: 0, bytes: memory, rssBytes: 0 })]),
  }
}

function results(weftLocal: number): BenchResults {
  return {
    date: '2026-01-01T00:00:00.000Z',
    commit: null,
    machine: { os: 'test', cpu: 'test', cores: 2, memoryBytes: 2 ** 30, node: 'v20' },
    weftBuild: null,
    versions: { weft: '0.1.0', yjs: '13', loro: '1' },
    methods: {},
    runs: 1,
    quick: false,
    traces: [
      {
        name: 'automerge-paper',
        kind: 'sequential',
        txns: 3,
        finalLength: 2,
        libs: {
          weft: lib(weftLocal, 100, 100_000, 10, 1000),
          yjs: lib(8000, 2000, 160_000, 100, 4000),
          loro: { ...lib(2000, 1000, 231_000, 16, 9000), remote: { runs: [{ status: 'timeout', limitMs: 180_000 }], median: null } },
        },
      },
    ],
  }
}

describe('toMarkdown', () => {
  it('shows medians, Weft / peer ratios and why a figure is missing', () => {
    const md = toMarkdown(results(400))
    expect(md).toContain('| local apply (ms) | 400.0 | 8,000 | 2,000 | 0.050× | 0.20× | 0.20× |')
    expect(md).toContain('timeout (>180 s)')
    // No Loro remote figure, so no ratio against it.
    expect(md).toMatch(/\| remote apply \(ms\) \| 100\.0 \| 2,000 \| timeout \(>180 s\) \| 0\.050× \| – \| 0\.050× \|/)
  })
})

describe('checkTargets', () => {
  it('meets the local-apply targets at 0.25 × Loro and 0.1 × Yjs', () => {
    const checks = checkTargets(results(400).traces[0]!)
    expect(checks.filter((c) => c.figure === 'local apply (ms)').map((c) => c.factor)).toEqual([0.8, 0.5])
  })

  it('reports how far a missed target is', () => {
    const checks = checkTargets(results(1000).traces[0]!)
    const loro = checks.find((c) => c.target === '≤ 0.25 × Loro')!
    expect(loro.factor).toBe(2)
    expect(toMarkdown(results(1000))).toContain('missed by 100%')
  })
})
