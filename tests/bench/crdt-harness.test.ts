/**
 * The bench harness's own logic: option parsing, medians, the update file format, and the
 * concurrent replay's delivery rule (causal order, each txn exactly once), on a fake library.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ReplicaOps } from '../../bench/crdt/adapters/types.js'
import { planReplay, replay } from '../../bench/crdt/concurrent.js'
import { parseOptions } from '../../bench/crdt/options.js'
import { median } from '../../bench/crdt/results.js'
import type { ConcurrentTrace, Patch } from '../../bench/crdt/traces.js'
import { readUpdates, writeUpdates } from '../../bench/crdt/update-file.js'

describe('parseOptions', () => {
  it('defaults to every library, 5 runs, writing results', () => {
    const o = parseOptions([])
    expect(o.libs).toEqual(['weft', 'yjs', 'automerge', 'loro'])
    expect(o.runs).toBe(5)
    expect(o.write).toBe(true)
    expect(o.timeoutMs.automerge).toBeGreaterThan(o.timeoutMs.yjs)
  })

  it('reads --libs in canonical order, --runs, --trace and per-library timeouts', () => {
    const o = parseOptions(['--libs', 'loro,yjs', '--runs=3', '--trace', 'rustcode,friendsforever', '--timeout', '10,loro=20'])
    expect(o.libs).toEqual(['yjs', 'loro'])
    expect(o.runs).toBe(3)
    expect(o.traces).toEqual(['rustcode', 'friendsforever'])
    expect(o.timeoutMs.yjs).toBe(10_000)
    expect(o.timeoutMs.loro).toBe(20_000)
  })

  it('--quick runs once and never writes results', () => {
    const o = parseOptions(['--quick', '--runs', '7'])
    expect(o.runs).toBe(1)
    expect(o.write).toBe(false)
  })

  it('rejects unknown libraries and options', () => {
    expect(() => parseOptions(['--libs', 'yjs,sharedb'])).toThrow(/sharedb/)
    expect(() => parseOptions(['--fast'])).toThrow(/unknown option/)
    expect(() => parseOptions(['--runs', '0'])).toThrow(/positive/)
  })
})

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeUndefined()
  })
})

describe('update files', () => {
  it('round-trip a list of updates, empty ones included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-bench-test-'))
    try {
      const updates = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)]
      writeUpdates(join(dir, 'u.bin'), updates)
      expect(readUpdates(join(dir, 'u.bin'))).toEqual(updates)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** A fake library whose update is the txn's own index: it records what each replica received. */
function recordingOps(): ReplicaOps<{ seen: number[] }> {
  let counter = 0
  return {
    create: () => ({ seen: [] }),
    edit(r) {
      const i = counter++
      r.seen.push(i)
      return new Uint8Array([i])
    },
    apply: (r, u) => {
      r.seen.push(u[0]!)
    },
    text: (r) => r.seen.join(','),
  }
}

describe('concurrent replay', () => {
  // Agent 0 writes 0 and 1; agent 1 writes 2 after 0, concurrently with 1; agent 0 writes 3 after
  // merging 1 and 2; agent 1 writes 4 after 3.
  const p: Patch = [0, 0, 'x']
  const trace: ConcurrentTrace = {
    kind: 'concurrent',
    endContent: '',
    numAgents: 2,
    txns: [
      { parents: [], agent: 0, patches: [p] },
      { parents: [0], agent: 0, patches: [p] },
      { parents: [0], agent: 1, patches: [p] },
      { parents: [1, 2], agent: 0, patches: [p] },
      { parents: [3], agent: 1, patches: [p] },
    ],
  }

  it('delivers the parents before each edit, in causal order, and every txn exactly once', () => {
    const [a, b] = replay(recordingOps(), planReplay(trace))
    // Agent 0: its own 0, 1, then 2 arrives before it writes 3; finally 4.
    expect(a!.seen).toEqual([0, 1, 2, 3, 4])
    // Agent 1: 0 arrives before 2; 1 and 3 before 4.
    expect(b!.seen).toEqual([0, 2, 1, 3, 4])
  })

  it('rejects a trace whose agent skips its own previous txn', () => {
    const bad: ConcurrentTrace = { ...trace, txns: [trace.txns[0]!, { parents: [], agent: 0, patches: [p] }] }
    expect(() => planReplay(bad)).toThrow(/totally ordered/)
  })
})
