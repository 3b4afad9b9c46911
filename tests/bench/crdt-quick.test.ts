/**
 * The bench's Weft adapter, run in-process on real traces: correctness only (never timings, which
 * `pnpm bench:crdt` measures in child processes). Needs shared/traces beside the repository, as CI has.
 */
import { describe, expect, it } from 'vitest'
import { weft } from '../../bench/crdt/adapters/weft.js'
import { planReplay, replay } from '../../bench/crdt/concurrent.js'
import { listTraces, loadConcurrent, loadSequential } from '../../bench/crdt/traces.js'

const smallestSequential = [...listTraces('sequential')].sort((a, b) => a.bytes - b.bytes)[0]
const concurrentTraces = listTraces('concurrent')

describe('bench weft adapter on a sequential trace', () => {
  it('finds the traces', () => {
    expect(smallestSequential).toBeDefined()
    expect(concurrentTraces.length).toBeGreaterThan(0)
  })

  const file = smallestSequential
  if (file === undefined) return
  const trace = loadSequential(file.path)

  it(`${file.name}: local apply, remote apply and snapshot load all reach endContent`, () => {
    const { doc, updates } = weft.localApply(trace)
    expect(weft.text(doc)).toBe(trace.endContent)
    // One delta per trace transaction: the per-txn updates the bench hands to remote apply.
    expect(updates.length).toBe(trace.txns.length)

    expect(weft.text(weft.remoteApply(updates))).toBe(trace.endContent)

    const snapshot = weft.snapshot(doc)
    expect(snapshot.byteLength).toBeGreaterThan(0)
    expect(weft.text(weft.load(snapshot))).toBe(trace.endContent)
  })
})

describe('bench weft adapter on the concurrent traces', () => {
  for (const file of concurrentTraces) {
    it(`${file.name}: every replica reaches endContent after the replay and final merge`, () => {
      const trace = loadConcurrent(file.path)
      const replicas = replay(weft.replicas, planReplay(trace))
      expect(replicas.length).toBe(trace.numAgents)
      for (const r of replicas) expect(weft.replicas.text(r)).toBe(trace.endContent)
    })
  }
})
