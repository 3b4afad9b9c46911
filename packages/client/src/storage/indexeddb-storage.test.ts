// idb checks values against the IDB classes on globalThis; fake-indexeddb/auto installs its own there.
import 'fake-indexeddb/auto'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { describe, expect, it, vi } from 'vitest'
import { isWeftStorageError, type WeftStorageError } from '../errors.js'
import { DROP_DELAY_MS, seqRuns } from './idb-journal.js'
import { indexedDBStorage } from './indexeddb-storage.js'
import { runStorageContract } from './storage-contract.js'
import { OUTBOX_SEQ_BLOCK } from './types.js'

runStorageContract('indexedDBStorage (fake-indexeddb)', () => {
  const factory = new IDBFactory()
  return { open: () => indexedDBStorage('weft-test', { indexedDB: factory, keyRange: IDBKeyRange }) }
})

describe('indexedDBStorage connection handling', () => {
  it('reopens after another tab deletes the database (versionchange closes us)', async () => {
    const factory = new IDBFactory()
    const s = indexedDBStorage('db', { indexedDB: factory, keyRange: IDBKeyRange })
    const lostErrors: WeftStorageError[] = []
    s.onError?.((e) => lostErrors.push(e))
    await s.appendLocal('doc', 1, new Uint8Array([1]))
    await new Promise<void>((resolve, reject) => {
      const req = factory.deleteDatabase('db')
      req.onsuccess = () => resolve()
      req.onerror = () => reject(req.error)
    })
    // The old connection is gone (and said so); the next call opens a fresh one.
    expect(lostErrors.map((e) => e.code)).toEqual(['connection-lost'])
    await s.appendLocal('doc', 2, new Uint8Array([2]))
    expect((await s.load('doc')).log.map((e) => e.seq)).toEqual([1])
  })

  it('maps a failed open (private mode) to an unavailable storage error, and retries the open later', async () => {
    const real = new IDBFactory()
    let failing = true
    const flaky = {
      open: (name: string, version?: number) => {
        if (failing) throw new DOMException('The user denied permission to access the database.', 'SecurityError')
        return real.open(name, version)
      },
    } as unknown as IDBFactory
    const s = indexedDBStorage('db', { indexedDB: flaky, keyRange: IDBKeyRange })
    const err: unknown = await s.load('doc').catch((e: unknown) => e)
    expect(isWeftStorageError(err) && err.code).toBe('unavailable')
    failing = false
    expect((await s.appendLocal('doc', 1, new Uint8Array([1]))).seq).toBe(1)
  })
})

describe('indexedDBStorage journal', () => {
  it('[CLIENT-STORE-JOURNAL] a journaled delta loads until its ordered write clears it', async () => {
    const factory = new IDBFactory()
    const s = indexedDBStorage('db', { indexedDB: factory, keyRange: IDBKeyRange })
    await s.load('doc') // opens the connection, as a doc's first load does
    s.journal?.('doc', 2 ** 28 + 1, new Uint8Array([1, 2]))
    s.journal?.('other', 2 ** 28 + 1, new Uint8Array([9]))
    await new Promise((r) => setTimeout(r, 20))
    const before = await s.load('doc')
    expect(before.journal).toEqual([{ seq: 2 ** 28 + 1, bytes: new Uint8Array([1, 2]) }])
    await s.appendLocal('doc', 2 ** 28 + 1, new Uint8Array([1, 2]))
    const after = await s.load('doc')
    expect(after.journal).toEqual([])
    expect(after.outbox.map((e) => [...e.bytes])).toEqual([[1, 2]])
    expect((await s.load('other')).journal).toHaveLength(1)
    // A doc whose edit only reached the journal still has something to upload.
    expect(await s.docsWithOutbox?.()).toEqual(['doc', 'other'])
    await s.close()
  })
})

/** A database as storage format 2 left it: outbox keyed by storage-allocated clientSeq, journal by string key. */
async function formatTwoDatabase(factory: IDBFactory, name: string): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open(name, 2)
    req.onupgradeneeded = () => {
      const raw = req.result
      raw.createObjectStore('meta')
      raw.createObjectStore('snapshots')
      raw.createObjectStore('log', { keyPath: ['docId', 'seq'] })
      raw.createObjectStore('outbox', { keyPath: ['docId', 'clientSeq'] })
      raw.createObjectStore('journal', { keyPath: ['docId', 'key'] })
    }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
  const t = db.transaction(['meta', 'log', 'outbox', 'journal'], 'readwrite')
  const meta = { lastSeq: 3, lastClientSeq: 3, ackedClientSeq: 1, serverSeq: 5, snapshotSeq: 0, logCount: 3, logBytes: 3, snapshotBytes: 0 }
  t.objectStore('meta').put(meta, 'doc')
  for (const seq of [1, 2, 3]) t.objectStore('log').put({ docId: 'doc', seq, origin: 'local', bytes: new Uint8Array([seq]) })
  for (const clientSeq of [2, 3]) t.objectStore('outbox').put({ docId: 'doc', clientSeq, bytes: new Uint8Array([clientSeq]) })
  t.objectStore('journal').put({ docId: 'doc', key: '7:1', bytes: new Uint8Array([9]) })
  t.objectStore('journal').put({ docId: 'fresh', key: '8:1', bytes: new Uint8Array([8]) })
  await new Promise<void>((resolve, reject) => {
    t.oncomplete = () => resolve()
    t.onerror = () => reject(t.error)
  })
  db.close()
}

describe('indexedDBStorage format 2 -> 3', () => {
  it('[CLIENT-STORE-MIGRATE-3] an outbox and journal stored by format 2 load with their numbers as seqs, below every claimed block', async () => {
    const factory = new IDBFactory()
    await formatTwoDatabase(factory, 'old')
    const s = indexedDBStorage('old', { indexedDB: factory, keyRange: IDBKeyRange })
    const d = await s.load('doc')
    expect(d.outbox).toEqual([
      { seq: 2, bytes: new Uint8Array([2]) },
      { seq: 3, bytes: new Uint8Array([3]) },
    ])
    // The journal entry of a page that died gets the next number after the outbox's.
    expect(d.journal).toEqual([{ seq: 4, bytes: new Uint8Array([9]) }])
    expect((await s.load('fresh')).journal).toEqual([{ seq: 1, bytes: new Uint8Array([8]) }])
    expect(d.meta).toEqual({ lastSeq: 3, seqBlocks: 0, serverSeq: 5, snapshotSeq: 0, logCount: 3, logBytes: 3, snapshotBytes: 0 })
    expect(d.log.map((e) => e.seq)).toEqual([1, 2, 3])
    const base = await s.claimSeqBlock('doc')
    expect(base).toBe(OUTBOX_SEQ_BLOCK)
    // Old rows and new ones are acked by range, each by its own session.
    await s.appendLocal('doc', base + 1, new Uint8Array([7]))
    await s.ackOutbox('doc', 1, 3)
    await s.appendLocal('doc', 4, new Uint8Array([9])) // the journal replay clears its entry
    expect((await s.load('doc')).outbox.map((e) => e.seq)).toEqual([4, base + 1])
    expect((await s.load('doc')).journal).toEqual([])
    await s.close()
  })

  it('[CLIENT-STORE-JOURNAL-2] the drops that follow ordered writes are deleted together, a range per run of seqs, and leave undropped entries alone', async () => {
    const factory = new IDBFactory()
    const s = indexedDBStorage('batched', { indexedDB: factory, keyRange: IDBKeyRange })
    await s.load('doc')
    const base = 2 ** 28
    for (const k of [1, 2, 3, 4, 5, 7]) s.journal?.('doc', base + k, new Uint8Array([k]))
    s.journal?.('other', base + 1, new Uint8Array([9]))
    await new Promise((r) => setTimeout(r, 20))
    // Count the journal database's write transactions (the docs database has a legacy store of that name too).
    const transaction = vi.spyOn(Object.getPrototypeOf(await openRaw(factory, 'batched-journal')), 'transaction')
    try {
      // Each ordered write drops its entry, late.
      for (const k of [1, 2, 3, 5, 7]) await s.appendLocal('doc', base + k, new Uint8Array([k]))
      // Dropped entries are already written: reads leave them out before the delete lands.
      expect((await s.load('doc')).journal?.map((j) => j.seq)).toEqual([base + 4])
      const writes = () =>
        transaction.mock.calls.filter(([, mode], i) => mode === 'readwrite' && (transaction.mock.contexts[i] as IDBDatabase).name === 'batched-journal').length
      expect(writes()).toBe(0)
      await new Promise((r) => setTimeout(r, DROP_DELAY_MS + 50))
      expect(writes()).toBe(1)
    } finally {
      transaction.mockRestore()
    }
    await s.close()
    const reopened = indexedDBStorage('batched', { indexedDB: factory, keyRange: IDBKeyRange })
    await reopened.load('doc')
    expect((await reopened.load('doc')).journal?.map((j) => j.seq)).toEqual([base + 4])
    expect((await reopened.load('other')).journal).toHaveLength(1)
    await reopened.close()
  })

  it('[CLIENT-STORE-JOURNAL-3] closing deletes the drops still waiting for their delay', async () => {
    const factory = new IDBFactory()
    const s = indexedDBStorage('db', { indexedDB: factory, keyRange: IDBKeyRange })
    await s.load('doc')
    s.journal?.('doc', 1, new Uint8Array([1]))
    s.journal?.('doc', 2, new Uint8Array([2]))
    await s.appendLocal('doc', 1, new Uint8Array([1])) // its journal drop waits
    await s.close()
    const reopened = indexedDBStorage('db', { indexedDB: factory, keyRange: IDBKeyRange })
    await reopened.load('doc')
    expect((await reopened.load('doc')).journal?.map((j) => j.seq)).toEqual([2])
    await reopened.close()
  })

  it('[CLIENT-STORE-JOURNAL-2] an entry a load found already written is dropped at once: another tab stops seeing it', async () => {
    const factory = new IDBFactory()
    const tab = indexedDBStorage('leftover', { indexedDB: factory, keyRange: IDBKeyRange })
    const other = indexedDBStorage('leftover', { indexedDB: factory, keyRange: IDBKeyRange })
    await Promise.all([tab.load('doc'), other.load('doc')])
    tab.journal?.('doc', 1, new Uint8Array([1])) // left by a page that closed before its drop
    await new Promise((r) => setTimeout(r, 20))
    expect(await other.docsWithOutbox?.()).toEqual(['doc'])
    tab.dropJournal?.('doc', 1)
    await new Promise((r) => setTimeout(r, 50)) // far less than the delay of drops that follow writes
    expect((await other.load('doc')).journal).toEqual([])
    expect(await other.docsWithOutbox?.()).toEqual([])
    await Promise.all([tab.close(), other.close()])
  })

  it('seqRuns groups seqs into runs of consecutive numbers', () => {
    expect(seqRuns([])).toEqual([])
    expect(seqRuns([7, 1, 2, 3, 5, 2])).toEqual([
      [1, 3],
      [5, 5],
      [7, 7],
    ])
  })
})

/** A raw connection to a database (closed at once), to reach its prototype. */
function openRaw(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(name)
    req.onsuccess = () => {
      req.result.close()
      resolve(req.result)
    }
    req.onerror = () => reject(req.error)
  })
}
