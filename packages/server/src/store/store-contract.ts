import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type FindingInput, hasFindingsStore } from './findings-store.js'
import { StoreClosedError } from './store-closed-error.js'
import { FencedError, ReplicaOwnedError, StaleSnapshotError } from './store-errors.js'
import type { DotRange, Store, VersionVector } from './store.js'

/** One store under test, plus ways to restart it, open a second one over the same data, and make it fail. */
export interface StoreHarness {
  readonly store: Store
  /** Closes nothing itself: returns a fresh Store over the same data (the old one must be closed first). */
  reopen(): Promise<Store>
  /** Another Store over the same data, open at the same time as `store` (a second server node). The suite closes it. */
  openAnother(): Promise<Store>
  /**
   * From now on, appends of `doc` whose bytes start with 0xFF fail (as a full
   * disk or a refusing database would), with every append committed along
   * with them; resolves with the function that ends it.
   */
  refuseAppends(doc: string): Promise<() => Promise<void>>
  cleanup?(): Promise<void>
}

const bytes = (...xs: number[]) => new Uint8Array(xs)
const r = (replica: number, from: number, to: number): DotRange => ({ replica, from, to })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const nextTurn = () => new Promise((r) => setImmediate(r))
const logBytes = async (store: Store, doc: string) => (await store.readAfterSeq(doc, 0)).map((d) => Array.from(d.bytes))

/**
 * The behaviour every {@link Store} implementation must show: everything the
 * server relies on, per-doc ordering and [STORE-2] included. Call it from a
 * vitest `*.test.ts` file with a factory that makes a fresh, empty store each
 * time (like automerge-repo's `runStorageAdapterTests`).
 *
 * @example
 * ```ts
 * import { runStoreContract } from '@weft/server/testing'
 * runStoreContract('MyStore', async () => ({ store: await MyStore.open(url), reopen: ..., openAnother: ..., refuseAppends: ... }))
 * ```
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

    it('lists docs, sorted', async () => {
      await store.append('b', { bytes: bytes(1), ranges: [] })
      await store.append('a', { bytes: bytes(1), ranges: [] })
      await store.writeSnapshot('a', { bytes: bytes(1), vv: {}, seq: 1 })
      expect(await store.listDocs()).toEqual(['a', 'b'])
      expect(await store.load('c')).toEqual({ head: { seq: 0, vv: {} }, snapshot: undefined, deltas: [], owners: [] })
    })

    it('pages through docs in sorted order (listDocsAfter), each doc once', async () => {
      const docs = ['m', 'a', 'note:2', 'note:10', 'b', 'Z', 'z9']
      for (const d of docs) await store.append(d, { bytes: bytes(1), ranges: [] })
      const seen: string[] = []
      let after: string | undefined
      for (;;) {
        const page = await store.listDocsAfter(after, 3)
        expect(page.length).toBeLessThanOrEqual(3)
        if (page.length === 0) break
        seen.push(...page)
        after = page[page.length - 1]
      }
      expect(seen).toEqual([...docs].sort())
      expect(seen).toEqual(await store.listDocs())
      expect(await store.listDocsAfter('note:2', 10)).toEqual(['z9'])
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

    it('keeps the issue order of each doc when appends of many docs interleave without waiting', async () => {
      const issued: Promise<number>[] = []
      for (let i = 0; i < 60; i++) issued.push(store.append(`doc${i % 3}`, { bytes: bytes(i), ranges: [r(1 + (i % 3), i, i + 1)] }))
      const seqs = await Promise.all(issued)
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => Math.floor(i / 3) + 1))
      for (let d = 0; d < 3; d++) {
        expect(await logBytes(store, `doc${d}`)).toEqual(Array.from({ length: 20 }, (_, k) => [k * 3 + d]))
      }
    })

    it('lets two stores over the same data (two nodes) append to one doc: unique dense seqs, each in its own issue order', async () => {
      const other = await h.openAnother()
      try {
        const mine = Array.from({ length: 25 }, (_, i) => store.append('shared', { bytes: bytes(1, i), ranges: [r(1, i, i + 1)] }))
        const theirs = Array.from({ length: 25 }, (_, i) => other.append('shared', { bytes: bytes(2, i), ranges: [r(2, i, i + 1)] }))
        const all = await Promise.all([...mine, ...theirs])
        expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
        const log = await logBytes(store, 'shared')
        expect(log.filter((b) => b[0] === 1).map((b) => b[1])).toEqual(Array.from({ length: 25 }, (_, i) => i))
        expect(log.filter((b) => b[0] === 2).map((b) => b[1])).toEqual(Array.from({ length: 25 }, (_, i) => i))
        expect(await other.head('shared')).toEqual({ seq: 50, vv: { 1: 25, 2: 25 } })
      } finally {
        await other.close()
      }
    })

    it('[STORE-2] a failed append fails the later appends of its doc issued before the failure was seen; the log stays a prefix', async () => {
      expect(await store.append('d', { bytes: bytes(1), ranges: [] })).toBe(1)
      const heal = await h.refuseAppends('d')
      const outcome = (p: Promise<number>) =>
        p.then(
          () => 'stored',
          () => 'failed',
        )
      let seen = false
      const failing = outcome(store.append('d', { bytes: bytes(0xff), ranges: [] })).then((o) => {
        seen = true
        return o
      })
      // Issued at once, and on later turns for as long as the failure is not visible yet.
      const later = [outcome(store.append('d', { bytes: bytes(2), ranges: [] }))]
      while (later.length < 500) {
        await nextTurn()
        if (seen) break
        later.push(outcome(store.append('d', { bytes: bytes(3), ranges: [] })))
      }
      expect(await failing).toBe('failed')
      expect(await Promise.all(later)).toEqual(later.map(() => 'failed'))
      await heal()
      await nextTurn()
      // Issued knowing of the failure (a turn after it was reported): accepted again.
      expect(await store.append('d', { bytes: bytes(4), ranges: [] })).toBe(2)
      expect(await logBytes(store, 'd')).toEqual([[1], [4]])
    })

    it('[BIND-1] binds a replica to the owner of its first append; another owner adding its dots is refused and nothing changes', async () => {
      expect(await store.append('b', { bytes: bytes(1), ranges: [r(5, 0, 2)], owner: 'alice' })).toBe(1)
      // The forgery of issue 15 item 8: the victim's replica, counters up to 2^53-2.
      const forged = store.append('b', { bytes: bytes(2), ranges: [r(5, 2, 2 ** 53 - 2)], owner: 'mallory' })
      // Other docs in the same group commit are not affected by the refusal.
      const other = store.append('b2', { bytes: bytes(3), ranges: [r(5, 0, 1)], owner: 'mallory' })
      const error = await forged.then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ReplicaOwnedError)
      expect(error).toMatchObject({ code: 'replica-owned', doc: 'b', replica: 5, owner: 'alice' })
      expect((error as Error).message).not.toContain('alice')
      expect(await other).toBe(1)
      await nextTurn()
      expect(await store.head('b')).toEqual({ seq: 1, vv: { 5: 2 } })
      expect(await logBytes(store, 'b')).toEqual([[1]])
      // Its owner goes on; a new replica is bound to whoever adds it first, also inside one append with others'.
      expect(await store.append('b', { bytes: bytes(4), ranges: [r(5, 2, 3)], owner: 'alice' })).toBe(2)
      expect(await store.append('b', { bytes: bytes(5), ranges: [r(6, 0, 1)], owner: 'bob' })).toBe(3)
      await expect(store.append('b', { bytes: bytes(6), ranges: [r(7, 0, 1), r(6, 1, 2)], owner: 'alice' })).rejects.toBeInstanceOf(ReplicaOwnedError)
      await nextTurn()
      expect(await store.head('b')).toEqual({ seq: 3, vv: { 5: 3, 6: 1 } })
      const { owners } = await store.load('b')
      expect([...owners].sort((x, y) => x.replica - y.replica)).toEqual([
        { replica: 5, owner: 'alice' },
        { replica: 6, owner: 'bob' },
      ])
    })

    it("[BIND-1] checks only dots past the head (a heal carries others' known dots); appends without an owner bind and check nothing", async () => {
      await store.append('h', { bytes: bytes(1), ranges: [r(5, 0, 3)], owner: 'alice' })
      await store.append('h', { bytes: bytes(2), ranges: [r(6, 0, 1)], owner: 'bob' })
      // bob's state holds alice's dots the doc already has, and one new dot of his own.
      expect(await store.append('h', { bytes: bytes(3), ranges: [r(5, 0, 3), r(6, 0, 2)], owner: 'bob' })).toBe(3)
      // A committed delta relayed from another node or region carries no owner.
      expect(await store.append('h', { bytes: bytes(4), ranges: [r(5, 3, 4), r(9, 0, 1)] })).toBe(4)
      const { owners } = await store.load('h')
      expect(owners.map((o) => o.replica).sort()).toEqual([5, 6])
      // An unowned replica is still free for its first owner.
      expect(await store.append('h', { bytes: bytes(5), ranges: [r(9, 1, 2)], owner: 'carol' })).toBe(5)
    })

    it('[BIND-1] bindings are durable and shared: a reopened store and a second node refuse the same append', async () => {
      await store.append('d', { bytes: bytes(1), ranges: [r(5, 0, 1)], owner: 'alice' })
      const other = await h.openAnother()
      try {
        await expect(other.append('d', { bytes: bytes(2), ranges: [r(5, 1, 2)], owner: 'mallory' })).rejects.toBeInstanceOf(ReplicaOwnedError)
        // Issued knowing of the refusal (a turn after it was reported, [STORE-2]): only the binding decides.
        await nextTurn()
        expect(await other.append('d', { bytes: bytes(3), ranges: [r(5, 1, 2)], owner: 'alice' })).toBe(2)
      } finally {
        await other.close()
      }
      await store.close()
      store = await h.reopen()
      await expect(store.append('d', { bytes: bytes(4), ranges: [r(5, 2, 3)], owner: 'mallory' })).rejects.toBeInstanceOf(ReplicaOwnedError)
      expect((await store.load('d')).owners).toEqual([{ replica: 5, owner: 'alice' }])
    })

    it('[STORE-2] an append issued a turn after a refusal was reported is accepted, every time (no window outlives that turn)', async () => {
      // A refusal, then one event-loop turn (what "issued knowing of the failure" means for every
      // store: see FailedDocs), then the refused doc's next append, as a writer that is told
      // replica-owned and writes on. 300 rounds: SqliteWorkerStore's window outlived the turn
      // (it lasted until the worker's own next turn, after a round trip) and failed some of them.
      for (let i = 0; i < 300; i++) {
        const doc = `w${i % 3}`
        const replica = 10 + i
        expect(await store.append(doc, { bytes: bytes(1), ranges: [r(replica, 0, 1)], owner: 'alice' })).toBeGreaterThan(0)
        await expect(store.append(doc, { bytes: bytes(2), ranges: [r(replica, 1, 2)], owner: 'mallory' })).rejects.toBeInstanceOf(ReplicaOwnedError)
        await nextTurn()
        const next = store.append(doc, { bytes: bytes(3), ranges: [r(replica, 1, 2)], owner: 'alice' })
        await expect(next, `round ${i}: the append after the refusal was refused too`).resolves.toBeGreaterThan(0)
      }
    })

    it('never moves a snapshot back: an older one is refused and changes nothing', async () => {
      for (let i = 0; i < 6; i++) await store.append('a', { bytes: bytes(i), ranges: [r(1, i, i + 1)] })
      await store.writeSnapshot('a', { bytes: bytes(5), vv: { 1: 5 }, seq: 5 }, { pruneThroughSeq: 4 })
      await expect(store.writeSnapshot('a', { bytes: bytes(3), vv: { 1: 3 }, seq: 3 }, { pruneThroughSeq: 3 })).rejects.toThrow(StaleSnapshotError)
      expect((await store.readSnapshot('a'))?.seq).toBe(5)
      expect((await store.readAfterSeq('a', 0)).map((d) => d.seq)).toEqual([5, 6])
    })

    it('leases: none on an unknown doc; renewed by its holder at the same epoch; refused to others while live', async () => {
      expect(await store.acquireLease('a', { holder: 'n1', ttlMs: 60_000 })).toBeUndefined()
      await store.append('a', { bytes: bytes(1), ranges: [r(1, 0, 1)] })
      const first = await store.acquireLease('a', { holder: 'n1', ttlMs: 60_000 })
      expect(first?.holder).toBe('n1')
      expect(await store.acquireLease('a', { holder: 'n1', ttlMs: 60_000 })).toEqual(first)
      expect(await store.acquireLease('a', { holder: 'n2', ttlMs: 60_000 })).toBeUndefined()
      await store.writeSnapshot('a', { bytes: bytes(9), vv: { 1: 1 }, seq: 1 }, { fence: first! })
      await expect(store.writeSnapshot('a', { bytes: bytes(8), vv: { 1: 1 }, seq: 1 }, { fence: { holder: 'n2', epoch: first!.epoch } })).rejects.toThrow(
        FencedError,
      )
      expect(Array.from((await store.readSnapshot('a'))?.bytes ?? [])).toEqual([9])
      // Durable: a restarted store still knows the lease.
      await store.close()
      store = await h.reopen()
      expect(await store.acquireLease('a', { holder: 'n2', ttlMs: 60_000 })).toBeUndefined()
    })

    it('fencing: once a lease expired and another holder took it, a write under the old lease is refused and changes nothing', async () => {
      for (let i = 0; i < 4; i++) await store.append('a', { bytes: bytes(i), ranges: [r(1, i, i + 1)] })
      const paused = await store.acquireLease('a', { holder: 'n1', ttlMs: 50 })
      await sleep(120)
      const taker = await store.acquireLease('a', { holder: 'n2', ttlMs: 60_000 })
      expect(taker && paused && taker.epoch > paused.epoch).toBe(true)
      await store.writeSnapshot('a', { bytes: bytes(2), vv: { 1: 2 }, seq: 2 }, { fence: taker!, pruneThroughSeq: 2 })
      await expect(store.writeSnapshot('a', { bytes: bytes(4), vv: { 1: 4 }, seq: 4 }, { fence: paused!, pruneThroughSeq: 4 })).rejects.toThrow(FencedError)
      expect((await store.readSnapshot('a'))?.seq).toBe(2)
      expect((await store.readAfterSeq('a', 0)).map((d) => d.seq)).toEqual([3, 4])
      // The old holder asking again gets a new epoch only once the taker's lease lapses.
      expect(await store.acquireLease('a', { holder: 'n1', ttlMs: 50 })).toBeUndefined()
    })

    // [AUDIT-5] for a store that keeps findings (every built-in one does).
    const finding = (over: Partial<FindingInput> = {}): FindingInput => ({
      kind: 'finding',
      check: 'seq-gap',
      doc: 'a',
      key: '{"missing":[3]}',
      message: 'seq 3 missing',
      node: 'n1',
      repairable: false,
      at: 1000,
      ...over,
    })

    it('findings: recorded once while open, kept across a restart and seen by another store on the same data', async () => {
      if (!hasFindingsStore(store)) return
      expect(await store.recordFinding(finding())).toBe(true)
      expect(await store.recordFinding(finding({ node: 'n2', at: 2000 }))).toBe(false)
      expect(await store.recordFinding(finding({ key: '{"missing":[4]}', at: 1500 }))).toBe(true)
      expect(await store.recordFinding(finding({ doc: '', check: 'sqlite-integrity', key: 'x', at: 1200 }))).toBe(true)
      await store.close()
      store = await h.reopen()
      if (!hasFindingsStore(store)) throw new Error('a reopened store lost its findings interface')
      const open = await store.openFindings('a')
      expect(open.map((f) => f.key).sort()).toEqual(['{"missing":[3]}', '{"missing":[4]}'])
      expect(open.find((f) => f.key === '{"missing":[3]}')).toEqual({ ...finding(), resolvedAt: undefined })
      const other = await h.openAnother()
      try {
        if (!hasFindingsStore(other)) throw new Error('a second store over the same data lacks findings')
        expect((await other.listFindings({ limit: 10 })).map((f) => f.at)).toEqual([1500, 1200, 1000])
        expect((await other.listFindings({ limit: 2 })).length).toBe(2)
      } finally {
        await other.close()
      }
    })

    it('findings: resolved once, then listed as resolved; seen again, open again; repairs are recorded closed', async () => {
      if (!hasFindingsStore(store)) return
      await store.recordFinding(finding())
      expect(await store.resolveFinding(finding(), 3000)).toBe(true)
      expect(await store.resolveFinding(finding(), 3001)).toBe(false)
      expect(await store.openFindings('a')).toEqual([])
      expect(await store.listFindings({ limit: 10 })).toEqual([{ ...finding(), resolvedAt: 3000 }])
      expect(await store.listFindings({ limit: 10, openOnly: true })).toEqual([])
      expect(await store.recordFinding(finding({ at: 4000 }))).toBe(true)
      expect(await store.openFindings('a')).toEqual([{ ...finding({ at: 4000 }), resolvedAt: undefined }])
      const repair = finding({ kind: 'repair', key: 'set-head@5000', message: 'head set to seq 4', at: 5000, resolvedAt: 5000 })
      expect(await store.recordFinding(repair)).toBe(true)
      expect((await store.listFindings({ limit: 10 }))[0]).toEqual(repair)
      expect((await store.listFindings({ limit: 10, openOnly: true })).map((f) => f.kind)).toEqual(['finding'])
    })

    it('rejects every call after close', async () => {
      await store.close()
      await expect(store.append('a', { bytes: bytes(1), ranges: [] })).rejects.toThrow(StoreClosedError)
      await expect(store.head('a')).rejects.toThrow(StoreClosedError)
      await expect(store.listDocs()).rejects.toThrow(StoreClosedError)
    })
  })
}
