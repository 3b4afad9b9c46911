import type { SyncDoc } from '@weft/crdt-core'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../metrics/metrics.js'
import { MemoryStore } from '../store/memory-store.js'
import { Compactor } from './compactor.js'

function fakeDoc(pending: { n: number }): SyncDoc {
  return {
    applyDelta: () => {},
    versionVector: () => ({ 1: 30 }),
    encodeDeltaSince: () => new Uint8Array(),
    encodeState: () => new Uint8Array([9, 9]),
    digest: () => '',
    get pendingCount() {
      return pending.n
    },
  }
}

const flush = () => new Promise((r) => setTimeout(r, 20))

describe('Compactor', () => {
  it('folds the log past the threshold, keeps a tail, and never while deltas wait in the causal buffer', async () => {
    const store = new MemoryStore()
    for (let i = 0; i < 30; i++) await store.append('d', { bytes: new Uint8Array([i]), ranges: [{ replica: 1, from: i, to: i + 1 }] })
    const pending = { n: 1 }
    const c = new Compactor({
      store,
      docOf: () => fakeDoc(pending),
      threshold: 20,
      keepTail: 5,
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    })
    c.loaded('d', 30, 0)
    for (let s = 1; s <= 30; s++) c.appended('d', s) // seqs seen since load (all contiguous)
    await flush()
    expect(await store.readSnapshot('d')).toBeUndefined()
    pending.n = 0
    await store.append('d', { bytes: new Uint8Array([99]), ranges: [] })
    c.appended('d', 31)
    await flush()
    const snap = await store.readSnapshot('d')
    expect(snap?.seq).toBe(31)
    expect(snap?.vv).toEqual({ 1: 30 })
    expect((await store.readAfterSeq('d', 0)).map((x) => x.seq)).toEqual([27, 28, 29, 30, 31])
    await c.close()
  })

  it('does not snapshot past a seq it has not seen (another node appended it)', async () => {
    const store = new MemoryStore()
    for (let i = 0; i < 25; i++) await store.append('d', { bytes: new Uint8Array([i]), ranges: [] })
    const c = new Compactor({
      store,
      docOf: () => fakeDoc({ n: 0 }),
      threshold: 3,
      keepTail: 0,
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    })
    c.loaded('d', 0, 20)
    c.appended('d', 22) // 21 came from elsewhere and is not in this doc
    c.appended('d', 23)
    c.appended('d', 24)
    c.appended('d', 25)
    await flush()
    expect((await store.readSnapshot('d'))?.seq).toBe(20)
    await c.close()
  })
})
