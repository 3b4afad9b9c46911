import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StoreClosedError } from './store-closed-error.js'
import type { DotRange, Store, VersionVector } from './store.js'

/** One store under test, plus a way to "restart" it over the same durable data. */
export interface StoreHarness {
  readonly store: Store
  /** Closes nothing itself: returns a fresh Store over the same data (the old one must be closed first). */
  reopen(): Promise<Store>
  cleanup?(): Promise<void>
}

const bytes = (...xs: number[]) => new Uint8Array(xs)
const r = (replica: number, from: number, to: number): DotRange => ({ replica, from, to })

/**
 * The behaviour every {@link Store} implementation must show. Call it from a
 * `*.test.ts` file with a factory that makes a fresh, empty store each time.
 */
export function runStoreContract(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHarness
    let store: Store
    beforeEach(async () => {
      h = await makeStore()
      store = h.store
    })
    afterEach(async () => {
      await store.close()
      await h.cleanup?.()
    })

    it('assigns dense per-doc seqs from 1 in append order', async () => {
      expect(await store.append('a', { bytes: bytes(1), ranges: [r(7, 0, 1)] })).toBe(1)
      expect(await store.append('a', { bytes: bytes(2), ranges: [r(7, 1, 2)] })).toBe(2)
      expect(await store.append('b', { bytes: bytes(3), ranges: [r(8, 0, 1)] })).toBe(1)
      const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => store.append('a', { bytes: bytes(i), ranges: [r(9, i, i + 1)] })))
      expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 3))
    })

    it('stores bytes verbatim and is not affected by later mutation of the input', async () => {
      const input = bytes(0, 255, 128, 7)
      await store.append('a', { bytes: input, ranges: [r(1, 0, 4)] })
      input[0] = 99
      const [d] = await store.readAfterSeq('a', 0)
      expect(Array.from(d?.bytes ?? [])).toEqual([0, 255, 128, 7])
      expect(d?.ranges).toEqual([r(1, 0, 4)])
    })

    it('keeps a head: highest seq and highest dot per replica', async () => {
      expect(await store.head('nope')).toEqual({ seq: 0, vv: {} })
      await store.append('a', { bytes: bytes(1), ranges: [r(5, 0, 3), r(6, 0, 1)] })
      await store.append('a', { bytes: bytes(2), ranges: [r(5, 3, 4)] })
      await store.append('a', { bytes: bytes(3), ranges: [] })
      expect(await store.head('a')).toEqual({ seq: 3, vv: { 5: 4, 6: 1 } })
    })

    it('rejects invalid ranges and stores nothing', async () => {
      await expect(store.append('a', { bytes: bytes(1), ranges: [r(5, 3, 1)] })).rejects.toThrow(RangeError)
      await expect(store.append('a', { bytes: bytes(1), ranges: [r(0, 0, 1)] })).rejects.toThrow(RangeError)
      expect(await store.head('a')).toEqual({ seq: 0, vv: {} })
      expect(await store.listDocs()).toEqual([])
    })

    it('reads deltas after a seq and since a version vector', async () => {
      await store.append('a', { bytes: bytes(1), ranges: [r(1, 0, 2)] })
      await store.append('a', { bytes: bytes(2), ranges: [r(2, 0, 1)] })
      await store.append('a', { bytes: bytes(3), ranges: [r(1, 2, 5)] })
      expect((await store.readAfterSeq('a', 1)).map((d) => d.seq)).toEqual([2, 3])
      const seqsSince = async (vv: VersionVector) => (await store.readSince('a', vv)).deltas.map((d) => d.seq)
      expect(await seqsSince({})).toEqual([1, 2, 3])
      expect(await seqsSince({ 1: 2 })).toEqual([2, 3])
      expect(await seqsSince({ 1: 4, 2: 1 })).toEqual([3])
      expect(await seqsSince({ 1: 5, 2: 1 })).toEqual([])
      expect((await store.readSince('a', {})).snapshot).toBeUndefined()
      expect(await store.readSince('unknown', {})).toEqual({ snapshot: undefined, deltas: [] })
    })

    it('writes and reads a snapshot, pruning the covered log but keeping a tail', async () => {
      for (let i = 0; i < 5; i++) await store.append('a', { bytes: bytes(i), ranges: [r(1, i, i + 1)] })
      await store.writeSnapshot('a', { bytes: bytes(42), vv: { 1: 4 }, seq: 4 }, { pruneThroughSeq: 2 })
      const snap = await store.readSnapshot('a')
      expect(snap && Array.from(snap.bytes)).toEqual([42])
      expect(snap?.vv).toEqual({ 1: 4 })
      expect(snap?.seq).toBe(4)
      expect(await store.logLength('a')).toBe(3)
      expect((await store.readAfterSeq('a', 0)).map((d) => d.seq)).toEqual([3, 4, 5])
      // A reader that has the pruned dots gets just the tail it lacks, no snapshot.
      const near = await store.readSince('a', { 1: 2 })
      expect(near.snapshot).toBeUndefined()
      expect(near.deltas.map((d) => d.seq)).toEqual([3, 4, 5])
      // A reader behind the pruned part needs the snapshot plus what follows it.
      const far = await store.readSince('a', { 1: 1 })
      expect(far.snapshot?.seq).toBe(4)
      expect(far.deltas.map((d) => d.seq)).toEqual([5])
      const loaded = await store.load('a')
      expect(loaded.snapshot?.seq).toBe(4)
      expect(loaded.deltas.map((d) => d.seq)).toEqual([5])
      expect(loaded.head).toEqual({ seq: 5, vv: { 1: 5 } })
      // Seqs keep going after compaction.
      expect(await store.append('a', { bytes: bytes(9), ranges: [r(1, 5, 6)] })).toBe(6)
    })

    it('rejects a snapshot past the head', async () => {
      await store.append('a', { bytes: bytes(1), ranges: [r(1, 0, 1)] })
      await expect(store.writeSnapshot('a', { bytes: bytes(1), vv: {}, seq: 2 })).rejects.toThrow(RangeError)
      expect(await store.readSnapshot('a')).toBeUndefined()
    })

    it('lists and deletes docs', async () => {
      await store.append('b', { bytes: bytes(1), ranges: [] })
      await store.append('a', { bytes: bytes(1), ranges: [] })
      await store.writeSnapshot('a', { bytes: bytes(1), vv: {}, seq: 1 })
      expect(await store.listDocs()).toEqual(['a', 'b'])
      await store.deleteDoc('a')
      expect(await store.listDocs()).toEqual(['b'])
      expect(await store.load('a')).toEqual({ head: { seq: 0, vv: {} }, snapshot: undefined, deltas: [] })
      expect(await store.append('a', { bytes: bytes(1), ranges: [] })).toBe(1)
    })

    it('keeps nothing only in memory: a reopened store has the same log, heads and seqs', async () => {
      await store.append('a', { bytes: bytes(1), ranges: [r(1, 0, 2)] })
      await store.append('a', { bytes: bytes(2), ranges: [r(2, 0, 3)] })
      await store.append('b', { bytes: bytes(3), ranges: [r(3, 0, 1)] })
      await store.writeSnapshot('a', { bytes: bytes(7), vv: { 1: 2 }, seq: 1 }, { pruneThroughSeq: 1 })
      const before = { a: await store.load('a'), b: await store.load('b'), docs: await store.listDocs() }
      await store.close()
      store = await h.reopen()
      expect({ a: await store.load('a'), b: await store.load('b'), docs: await store.listDocs() }).toEqual(before)
      // The head is consistent with what is stored: snapshot vv joined with the log's ranges.
      const a = await store.load('a')
      const rebuilt: VersionVector = { ...a.snapshot?.vv }
      for (const d of a.deltas) for (const x of d.ranges) rebuilt[x.replica] = Math.max(rebuilt[x.replica] ?? 0, x.to)
      expect(a.head.vv).toEqual(rebuilt)
      expect(await store.append('a', { bytes: bytes(4), ranges: [] })).toBe(3)
      expect((await store.readSince('a', {})).snapshot?.seq).toBe(1)
    })

    it('rejects every call after close', async () => {
      await store.close()
      await expect(store.append('a', { bytes: bytes(1), ranges: [] })).rejects.toThrow(StoreClosedError)
      await expect(store.head('a')).rejects.toThrow(StoreClosedError)
      await expect(store.listDocs()).rejects.toThrow(StoreClosedError)
    })
  })
}
