import { describe, expect, it } from 'vitest'
import { isWeftStorageError } from '../errors.js'
import { OUTBOX_SEQ_BLOCK, type Storage } from './types.js'

/** A fresh backing store; `open()` returns a connection to it (call twice for two tabs). */
export interface StorageContractSetup {
  open(): Storage
}

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs)

/**
 * The behaviour every {@link Storage} must have. Run it once per
 * implementation, each with its own fresh backing store per test.
 */
export function runStorageContract(name: string, setup: () => StorageContractSetup): void {
  describe(`storage contract: ${name}`, () => {
    it('[CLIENT-STORE-1] an unknown doc loads empty', async () => {
      const s = setup().open()
      const d = await s.load('nope')
      expect(d.snapshot).toBeUndefined()
      expect(d.log).toEqual([])
      expect(d.outbox).toEqual([])
      expect(d.meta.lastSeq).toBe(0)
      expect(await s.listDocs()).toEqual([])
    })

    it('[CLIENT-STORE-2] appendLocal writes the log and the outbox together', async () => {
      const s = setup().open()
      const a = await s.appendLocal('doc', 11, bytes(1, 2))
      const b = await s.appendLocal('doc', 12, bytes(3))
      expect([a.seq, b.seq]).toEqual([1, 2])
      const d = await s.load('doc')
      expect(d.log).toEqual([
        { seq: 1, origin: 'local', bytes: bytes(1, 2) },
        { seq: 2, origin: 'local', bytes: bytes(3) },
      ])
      expect(d.outbox).toEqual([
        { seq: 11, bytes: bytes(1, 2) },
        { seq: 12, bytes: bytes(3) },
      ])
      expect(d.meta).toMatchObject({ lastSeq: 2, logCount: 2, logBytes: 3 })
    })

    it('[CLIENT-STORE-3] appendRemote writes only the log and raises serverSeq', async () => {
      const s = setup().open()
      await s.appendLocal('doc', 1, bytes(1))
      const r = await s.appendRemote('doc', bytes(9, 9), 40)
      await s.appendRemote('doc', bytes(8), 12)
      expect(r.seq).toBe(2)
      const d = await s.load('doc')
      expect(d.log.map((e) => [e.seq, e.origin])).toEqual([
        [1, 'local'],
        [2, 'remote'],
        [3, 'remote'],
      ])
      expect(d.outbox).toHaveLength(1)
      expect(d.meta.serverSeq).toBe(40)
    })

    it('[CLIENT-STORE-4] ackOutbox drops the acked range of seqs only, and keeps the log', async () => {
      const s = setup().open()
      for (let i = 1; i <= 5; i++) await s.appendLocal('doc', i, bytes(i))
      for (let i = 101; i <= 103; i++) await s.appendLocal('doc', i, bytes(i)) // another session's block
      const meta = await s.ackOutbox('doc', 0, 3, 77)
      expect(meta).toMatchObject({ serverSeq: 77 })
      let d = await s.load('doc')
      expect(d.outbox.map((e) => e.seq)).toEqual([4, 5, 101, 102, 103])
      expect(d.log).toHaveLength(8)
      await s.ackOutbox('doc', 0, 2) // an older ack changes nothing
      await s.ackOutbox('doc', 100, 102)
      d = await s.load('doc')
      expect(d.outbox.map((e) => e.seq)).toEqual([4, 5, 103])
      expect(d.meta.serverSeq).toBe(77)
    })

    it('[CLIENT-OUT-2] claimSeqBlock hands each session its own block, above every claimed block and stored outbox row', async () => {
      const backing = setup()
      const tab1 = backing.open()
      const tab2 = backing.open()
      const [a, b] = await Promise.all([tab1.claimSeqBlock('doc'), tab2.claimSeqBlock('doc')])
      expect(a % OUTBOX_SEQ_BLOCK).toBe(0)
      expect(Math.abs(a - b)).toBeGreaterThanOrEqual(OUTBOX_SEQ_BLOCK)
      // A session that could not claim (storage was down) wrote high up: later claims go above it.
      const high = 9 * OUTBOX_SEQ_BLOCK + 5
      await tab1.appendLocal('doc', high, bytes(1))
      expect(await tab2.claimSeqBlock('doc')).toBe(10 * OUTBOX_SEQ_BLOCK)
      expect(await tab1.claimSeqBlock('other')).toBe(OUTBOX_SEQ_BLOCK)
      // A claim alone stores no doc.
      expect(await tab1.listDocs()).toEqual(['doc'])
    })

    it('[CLIENT-STORE-5] compact replaces the covered log by a snapshot, atomically', async () => {
      const s = setup().open()
      for (let i = 1; i <= 4; i++) await s.appendLocal('doc', i, bytes(i, i))
      expect(await s.compact('doc', bytes(7, 7, 7), 3)).toBe(true)
      const d = await s.load('doc')
      expect(d.snapshot).toEqual(bytes(7, 7, 7))
      expect(d.log.map((e) => e.seq)).toEqual([4])
      expect(d.outbox).toHaveLength(4) // unacked deltas stay in the outbox
      expect(d.meta).toMatchObject({ snapshotSeq: 3, logCount: 1, logBytes: 2, snapshotBytes: 3, lastSeq: 4 })
      // A snapshot older than the stored one never replaces it.
      expect(await s.compact('doc', bytes(1), 2)).toBe(false)
      expect((await s.load('doc')).snapshot).toEqual(bytes(7, 7, 7))
      // Nor one claiming seqs that were never written.
      expect(await s.compact('doc', bytes(1), 99)).toBe(false)
      // New appends continue after the compacted seqs.
      expect((await s.appendRemote('doc', bytes(5))).seq).toBe(5)
    })

    it('[CLIENT-STORE-6] docs are isolated, listed and deleted', async () => {
      const s = setup().open()
      await s.appendLocal('a', 1, bytes(1))
      await s.appendLocal('a:b', 1, bytes(2))
      await s.appendRemote('b', bytes(3))
      expect(await s.listDocs()).toEqual(['a', 'a:b', 'b'])
      expect((await s.load('a')).log.map((e) => e.bytes)).toEqual([bytes(1)])
      await s.deleteDoc('a')
      expect(await s.listDocs()).toEqual(['a:b', 'b'])
      expect((await s.load('a')).log).toEqual([])
      expect((await s.load('a:b')).outbox).toHaveLength(1)
    })

    it('[CLIENT-STORE-7] two tabs appending the same doc at once get distinct seqs and lose nothing', async () => {
      const backing = setup()
      const tab1 = backing.open()
      const tab2 = backing.open()
      const [base1, base2] = await Promise.all([tab1.claimSeqBlock('doc'), tab2.claimSeqBlock('doc')])
      const writes: Promise<{ seq: number }>[] = []
      for (let i = 0; i < 40; i++) {
        writes.push(tab1.appendLocal('doc', base1 + i + 1, bytes(1, i)))
        writes.push(tab2.appendLocal('doc', base2 + i + 1, bytes(2, i)))
        if (i % 4 === 0) writes.push(tab2.appendRemote('doc', bytes(3, i)))
      }
      const results = await Promise.all(writes)
      const seqs = results.map((r) => r.seq).sort((x, y) => x - y)
      expect(seqs).toEqual(Array.from({ length: results.length }, (_, i) => i + 1))
      const d = await tab1.load('doc')
      expect(d.log).toHaveLength(results.length)
      expect(d.outbox).toHaveLength(80)
      expect(new Set(d.outbox.map((e) => e.seq)).size).toBe(80)
    })

    it('[CLIENT-STORE-8] stored bytes are not aliased to the caller', async () => {
      const s = setup().open()
      const input = bytes(1, 2, 3)
      await s.appendLocal('doc', 1, input)
      input[0] = 99
      const first = await s.load('doc')
      first.log[0]?.bytes.fill(0)
      const second = await s.load('doc')
      expect(second.log[0]?.bytes).toEqual(bytes(1, 2, 3))
    })

    it('[CLIENT-STORE-9] a closed storage rejects with a closed storage error', async () => {
      const s = setup().open()
      await s.appendLocal('doc', 1, bytes(1))
      await s.close()
      const err: unknown = await s.load('doc').then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isWeftStorageError(err) && err.code).toBe('closed')
    })

    it('[CLIENT-STORE-10] a delta viewing part of a larger buffer (a received frame) is stored as its own bytes', async () => {
      const s = setup().open()
      const frame = bytes(7, 7, 1, 2, 3, 7)
      await s.appendRemote('doc', frame.subarray(2, 5), 1)
      frame.fill(0)
      const stored = (await s.load('doc')).log[0]?.bytes
      expect(stored).toEqual(bytes(1, 2, 3))
      expect(stored?.buffer.byteLength).toBe(3)
    })

    it('[CLIENT-STORE-11] docsWithOutbox lists the docs whose local edits the server has not acked, and only those', async () => {
      const s = setup().open()
      if (!s.docsWithOutbox) return // optional: such a storage uploads a doc's edits when the doc is next opened
      expect(await s.docsWithOutbox()).toEqual([])
      await s.appendLocal('b', 1, bytes(1))
      await s.appendLocal('b', 2, bytes(2))
      await s.appendLocal('a:x', 1, bytes(3))
      await s.appendRemote('remote-only', bytes(4))
      await s.appendLocal('acked', 1, bytes(5))
      await s.ackOutbox('acked', 0, 1)
      expect(await s.docsWithOutbox()).toEqual(['a:x', 'b'])
      await s.ackOutbox('b', 0, 2)
      expect(await s.docsWithOutbox()).toEqual(['a:x'])
      await s.deleteDoc('a:x')
      expect(await s.docsWithOutbox()).toEqual([])
    })
  })
}
