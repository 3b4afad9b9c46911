import 'fake-indexeddb/auto'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import type { WeftStorageError } from '../errors.js'
import { indexedDBStorage } from '../storage/indexeddb-storage.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { Storage } from '../storage/types.js'
import { FakeDoc } from '../test-support/fake-doc.js'
import { faultyStore } from '../storage/faulty-storage.js'
import { ManualTimers } from '../test-support/manual-timers.js'
import { realTimers } from '../timers.js'
import type { CompactionPolicy } from './compaction.js'
import { ACK_DELAY_MS, LocalReplica, MAX_CARRIED_BYTES } from './local-replica.js'

function open(storage: Storage, opts: { timers?: ManualTimers; compaction?: CompactionPolicy } = {}) {
  const doc = new FakeDoc()
  const errors: WeftStorageError[] = []
  const replica = new LocalReplica({
    storage,
    docId: 'doc',
    doc,
    timers: opts.timers ?? realTimers,
    retryBaseMs: 50,
    ...(opts.compaction && { compaction: opts.compaction }),
    onError: (e) => errors.push(e),
    onRecovered: () => undefined,
    onChange: () => undefined,
  })
  let seq = 100 // above the rows tests seed by hand
  doc.on('delta', (bytes) => void replica.saveLocal(++seq, bytes))
  return { doc, replica, errors }
}

const idb = () => indexedDBStorage('weft', { indexedDB: new IDBFactory(), keyRange: IDBKeyRange })
const storedBytes = async (s: Storage) => {
  const d = await s.load('doc')
  return (d.snapshot?.byteLength ?? 0) + d.log.reduce((n, e) => n + e.bytes.byteLength, 0)
}

describe('LocalReplica', () => {
  it('a reopened replica sees every edit, and unacked edits are in the outbox', async () => {
    const storage = memoryStorage()
    const a = open(storage)
    await a.replica.load(() => undefined)
    for (const v of ['x', 'y', 'z']) a.doc.add(v)
    await a.replica.whenWritten()
    await a.replica.ackOutbox(100, 101)
    const b = open(storage)
    const outbox = await b.replica.load(() => undefined)
    expect(b.doc.values()).toEqual(['x', 'y', 'z'])
    expect(outbox?.outbox.map((e) => e.seq)).toEqual([102, 103])
  })

  it('[CLIENT-COMPACT-1] compaction keeps IndexedDB proportional to the doc, not to the edit count', async () => {
    const storage = idb()
    const a = open(storage, { compaction: { maxLogCount: 20 } })
    await a.replica.load(() => undefined)
    let sumOfDeltas = 0
    a.doc.on('delta', (b) => (sumOfDeltas += b.byteLength))
    for (let i = 0; i < 300; i++) a.doc.add(`v${i % 7}`) // 300 edits
    await a.replica.whenWritten()
    const d = await storage.load('doc')
    expect(d.snapshot).toBeDefined()
    expect(d.log.length).toBeLessThanOrEqual(21)
    const state = a.doc.encodeState().byteLength
    // Stored: one snapshot (about the doc's size) plus a short tail of deltas.
    expect(await storedBytes(storage)).toBeLessThan(state * 1.2)
    expect(await storedBytes(storage)).toBeLessThan(sumOfDeltas / 2)
    const b = open(storage)
    await b.replica.load(() => undefined)
    expect(b.doc.values()).toEqual(a.doc.values())
  })

  it('[CLIENT-COMPACT-2] loading without edits never grows storage', async () => {
    const storage = idb()
    const a = open(storage, { compaction: { maxLogCount: 5 } })
    await a.replica.load(() => undefined)
    for (let i = 0; i < 12; i++) a.doc.add(`v${i}`)
    await a.replica.whenWritten()
    const before = await storage.load('doc')
    for (let i = 0; i < 5; i++) {
      const r = open(storage, { compaction: { maxLogCount: 5 } })
      await r.replica.load(() => undefined)
      await r.replica.whenWritten()
      expect(r.doc.values()).toHaveLength(12)
    }
    // Each load claims a seq block (meta.seqBlocks), nothing else.
    const after = await storage.load('doc')
    expect({ ...after, meta: { ...after.meta, seqBlocks: 0 } }).toEqual({ ...before, meta: { ...before.meta, seqBlocks: 0 } })
  })

  it('[CLIENT-COMPACT-3] a tab compacting while another tab writes loses nothing', async () => {
    const factory = new IDBFactory()
    const tab1 = indexedDBStorage('weft', { indexedDB: factory, keyRange: IDBKeyRange })
    const tab2 = indexedDBStorage('weft', { indexedDB: factory, keyRange: IDBKeyRange })
    const a = open(tab1, { compaction: { maxLogCount: 3 } })
    const b = open(tab2, { compaction: { maxLogCount: 3 } })
    await Promise.all([a.replica.load(() => undefined), b.replica.load(() => undefined)])
    // No tab channel here: each tab only learns the other's edits through storage.
    for (let i = 0; i < 20; i++) {
      a.doc.add(`a${i}`)
      b.doc.add(`b${i}`)
    }
    await Promise.all([a.replica.whenWritten(), b.replica.whenWritten()])
    const c = open(indexedDBStorage('weft', { indexedDB: factory, keyRange: IDBKeyRange }))
    await c.replica.load(() => undefined)
    expect(c.doc.values()).toHaveLength(40)
    expect((await tab1.load('doc')).log.length).toBeLessThan(40)
  })

  it('[CLIENT-ACK-1] acks of a burst are written once, merged, after a delay; flushAcks writes them at once', async () => {
    const storage = memoryStorage()
    const trims: [number, number, number | undefined][] = []
    const counting: Storage = {
      ...storage,
      ackOutbox: (docId, after, upTo, serverSeq) => {
        trims.push([after, upTo, serverSeq])
        return storage.ackOutbox(docId, after, upTo, serverSeq)
      },
    }
    const timers = new ManualTimers()
    const a = open(counting, { timers })
    const loading = a.replica.load(() => undefined)
    await timers.advance(0)
    await loading
    for (const v of ['x', 'y', 'z', 'w']) a.doc.add(v) // seqs 101..104
    await a.replica.whenWritten()
    const acked = [a.replica.ackOutbox(100, 101, 7), a.replica.ackOutbox(100, 103, 9), a.replica.ackOutbox(100, 102, 8)]
    await timers.advance(ACK_DELAY_MS - 1)
    expect(trims).toEqual([])
    await timers.advance(1)
    const metas = await Promise.all(acked)
    expect(trims).toEqual([[100, 103, 9]])
    expect(metas.map((m) => m.serverSeq)).toEqual([9, 9, 9])
    expect((await storage.load('doc')).outbox.map((e) => e.seq)).toEqual([104])
    // Asked for at once (closing, whenSaved('local')): no delay.
    const last = a.replica.ackOutbox(100, 104)
    a.replica.flushAcks()
    await last
    expect(trims).toEqual([
      [100, 103, 9],
      [100, 104, 0],
    ])
    expect((await storage.load('doc')).outbox).toEqual([])
  })

  it('[CLIENT-STORE-ERR-1] failed writes are reported, retried and never dropped; the doc keeps working', async () => {
    const timers = new ManualTimers()
    const storage = faultyStore().open()
    const a = open(storage, { timers })
    void a.replica.load(() => undefined)
    await timers.advance(0)
    storage.failWith = 'quota-exceeded'
    a.doc.add('kept-1')
    a.doc.add('kept-2')
    await timers.advance(1000)
    expect(a.errors.length).toBeGreaterThan(1)
    expect(a.errors[0]?.code).toBe('quota-exceeded')
    expect(a.replica.error?.code).toBe('quota-exceeded')
    expect(a.replica.pendingWrites).toBe(2)
    expect(a.doc.values()).toEqual(['kept-1', 'kept-2']) // still usable in memory
    storage.failWith = undefined
    await timers.advance(10_000)
    expect(a.replica.pendingWrites).toBe(0)
    expect(a.replica.error).toBeUndefined()
    const b = open(storage)
    await b.replica.load(() => undefined)
    expect(b.doc.values()).toEqual(['kept-1', 'kept-2'])
  })

  it('[CLIENT-STORE-ERR-2] a failed load resolves at once and applies the stored doc when storage comes back', async () => {
    const timers = new ManualTimers()
    const disk = faultyStore()
    const inner = disk.open()
    await inner.appendLocal('doc', 1, new FakeDocWith('old').delta)
    const storage = disk.open()
    storage.failWith = 'unavailable'
    const a = open(storage, { timers })
    let late: number | undefined
    const first = a.replica.load((loaded) => (late = loaded.outbox.length))
    await timers.advance(0)
    expect(await first).toBeUndefined()
    expect(a.errors[0]?.code).toBe('unavailable')
    a.doc.add('new') // usable before storage works
    storage.failWith = undefined
    await timers.advance(10_000)
    expect(late).toBe(1)
    expect(a.doc.values()).toEqual(['new', 'old'])
    expect((await inner.load('doc')).outbox).toHaveLength(2)
  })
})

/** A delta made by another replica, for seeding storage. */
class FakeDocWith {
  readonly delta: Uint8Array
  constructor(value: string) {
    const d = new FakeDoc()
    let captured: Uint8Array | undefined
    d.on('delta', (b) => (captured = b))
    d.add(value)
    this.delta = captured ?? new Uint8Array()
  }
}

/** A replica of doc 'doc' over a real crdt-core Doc, reporting nothing. */
const replicaOver = (storage: Storage, doc: ConstructorParameters<typeof LocalReplica>[0]['doc'], compaction?: CompactionPolicy) =>
  new LocalReplica({
    storage,
    docId: 'doc',
    doc,
    timers: realTimers,
    ...(compaction && { compaction }),
    onError: () => undefined,
    onRecovered: () => undefined,
    onChange: () => undefined,
  })

describe('LocalReplica with crdt-core Doc', () => {
  it('[CLIENT-COMPACT-4] 1,500 keystrokes and deletions store about one doc, not 1,500 deltas', async () => {
    const { Doc } = await import('@weft/crdt-core')
    const storage = idb()
    const doc = new Doc()
    const replica = replicaOver(storage, doc, { maxLogCount: 100 })
    await replica.load(() => undefined)
    let sumOfDeltas = 0
    let deltas = 0
    doc.on('delta', (b) => {
      deltas++
      sumOfDeltas += b.byteLength
      void replica.saveLocal(deltas, b)
    })
    const text = doc.getText('body')
    for (let i = 0; i < 1000; i++) {
      text.insert(text.length, 'x') // type
      if (i % 2 === 1) text.delete(0, 1) // and delete half of it again
    }
    await replica.whenWritten()
    const stored = await storedBytes(storage)
    console.log(`[CLIENT-COMPACT-4] stored ${stored} B for a ${doc.encodeState().byteLength} B doc; the ${deltas} deltas sum to ${sumOfDeltas} B`)
    expect(stored).toBeLessThan(sumOfDeltas / 4)
    const again = Doc.load((await storage.load('doc')).snapshot ?? new Uint8Array())
    for (const e of (await storage.load('doc')).log) again.applyDelta(e.bytes)
    expect(again.getText('body').toString()).toBe(text.toString())
  })

  it('[CLIENT-STORE-JOURNAL] [CLIENT-STORE-JOURNAL-2] a journal entry whose ordered write landed is dropped on load; one whose write never happened is written once', async () => {
    const { Doc } = await import('@weft/crdt-core')
    const storage = idb()
    const writer = new Doc()
    const text = writer.getText('body')
    const deltas: Uint8Array[] = []
    writer.on('delta', (b) => void deltas.push(b))
    text.insert(0, 'ab') // written, but its journal drop was missed (the page closed in between)
    text.delete(0, 1) // journaled only: the page closed before its ordered write
    await storage.load('doc') // opens the journal beside the docs database
    await storage.appendLocal('doc', 1, deltas[0] as Uint8Array)
    storage.journal?.('doc', 1, deltas[0] as Uint8Array)
    storage.journal?.('doc', 2, deltas[1] as Uint8Array)
    expect((await storage.load('doc')).journal?.map((j) => j.seq)).toEqual([1, 2])

    const doc = new Doc()
    const replica = replicaOver(storage, doc)
    const loaded = await replica.load(() => undefined)
    await replica.whenWritten()
    expect(doc.getText('body').toString()).toBe('b')
    // The delete, a delta with no new character, still counts as unwritten: it has a dot of its own.
    expect(loaded?.outbox.map((e) => e.seq)).toEqual([1, 2])
    const after = await storage.load('doc')
    expect(after.journal).toEqual([])
    expect(after.log).toHaveLength(2) // each delta once
    expect(after.outbox.map((e) => e.seq)).toEqual([1, 2])
  })

  it('[CLIENT-STORE-JOURNAL-4] a local edit journaled while a received delta it builds on waits for its write carries that delta: a crash in between loses neither', async () => {
    const { Doc } = await import('@weft/crdt-core')
    const storage = idb()
    await storage.load('doc') // opens the journal beside the docs database
    // The first page: its ordered writes never finish (it closes first); the journal write does.
    const closing: Storage = { ...storage, appendRemote: () => new Promise(() => {}), appendLocal: () => new Promise(() => {}) }
    const peer = new Doc()
    const received: Uint8Array[] = []
    peer.on('delta', (b) => void received.push(b))
    peer.getText('body').insert(0, 'hello')
    const doc = new Doc()
    const replica = replicaOver(closing, doc)
    await replica.load(() => undefined)
    doc.on('delta', (b) => void replica.saveLocal(1, b))
    doc.applyDelta(received[0] as Uint8Array)
    replica.saveRemote(received[0] as Uint8Array, 1)
    doc.getText('body').insert(5, ' world') // builds on the received delta, whose write has not happened

    // The next page loads what the first one left.
    const reloaded = new Doc()
    const next = replicaOver(storage, reloaded)
    const loaded = await next.load(() => undefined)
    await next.whenWritten()
    expect(reloaded.getText('body').toString()).toBe('hello world')
    expect(reloaded.pendingCount).toBe(0)
    expect(loaded?.outbox.map((e) => e.seq)).toEqual([1])
    const after = await storage.load('doc')
    expect(after.journal).toEqual([])
    expect(after.log).toHaveLength(2) // the received delta and the local one, each once
    expect(after.outbox.map((e) => e.seq)).toEqual([1])
  })

  it('[CLIENT-STORE-JOURNAL-4] a received delta is carried by one journal entry only, and none past MAX_CARRIED_BYTES', async () => {
    const { Doc } = await import('@weft/crdt-core')
    const journaled: { seq: number; received: number }[] = []
    const spy: Storage = {
      ...memoryStorage(),
      appendRemote: () => new Promise(() => {}), // the write of the received deltas never happens here
      journal: (_docId, seq, _bytes, received) => void journaled.push({ seq, received: received?.length ?? 0 }),
    }
    const doc = new Doc()
    const replica = replicaOver(spy, doc)
    await replica.load(() => undefined)
    let seq = 0
    doc.on('delta', (b) => void replica.saveLocal(++seq, b))
    const peer = new Doc()
    const received: Uint8Array[] = []
    peer.on('delta', (b) => void received.push(b))
    peer.getText('body').insert(0, 'a')
    peer.getText('body').insert(1, 'b')
    for (const b of received) {
      doc.applyDelta(b)
      replica.saveRemote(b)
    }
    doc.getText('body').insert(2, 'c') // carries both
    doc.getText('body').insert(3, 'd') // carries none: the first entry outlives their write
    peer.getText('body').insert(0, 'x'.repeat(MAX_CARRIED_BYTES + 1))
    doc.applyDelta(received[2] as Uint8Array)
    replica.saveRemote(received[2] as Uint8Array)
    doc.getText('body').insert(0, 'e') // over the bound: carries none
    expect(journaled).toEqual([
      { seq: 1, received: 2 },
      { seq: 2, received: 0 },
      { seq: 3, received: 0 },
    ])
  })
})
