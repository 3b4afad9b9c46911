// idb checks values against the IDB classes on globalThis; fake-indexeddb/auto installs its own there.
import 'fake-indexeddb/auto'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { isWeftStorageError, type WeftStorageError } from '../errors.js'
import { indexedDBStorage } from './indexeddb-storage.js'
import { runStorageContract } from './storage-contract.js'

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
    await s.appendLocal('doc', new Uint8Array([1]))
    await new Promise<void>((resolve, reject) => {
      const req = factory.deleteDatabase('db')
      req.onsuccess = () => resolve()
      req.onerror = () => reject(req.error)
    })
    // The old connection is gone (and said so); the next call opens a fresh one.
    expect(lostErrors.map((e) => e.code)).toEqual(['connection-lost'])
    await s.appendLocal('doc', new Uint8Array([2]))
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
    expect((await s.appendLocal('doc', new Uint8Array([1]))).seq).toBe(1)
  })
})

describe('indexedDBStorage journal', () => {
  it('[CLIENT-STORE-JOURNAL] a journaled delta loads until its ordered write clears it', async () => {
    const factory = new IDBFactory()
    const s = indexedDBStorage('db', { indexedDB: factory, keyRange: IDBKeyRange })
    await s.load('doc') // opens the connection, as a doc's first load does
    s.journal?.('doc', '7:1', new Uint8Array([1, 2]))
    s.journal?.('other', '7:1', new Uint8Array([9]))
    await new Promise((r) => setTimeout(r, 20))
    const before = await s.load('doc')
    expect(before.journal).toEqual([{ key: '7:1', bytes: new Uint8Array([1, 2]) }])
    await s.appendLocal('doc', new Uint8Array([1, 2]), '7:1')
    const after = await s.load('doc')
    expect(after.journal).toEqual([])
    expect(after.outbox.map((e) => [...e.bytes])).toEqual([[1, 2]])
    expect((await s.load('other')).journal).toHaveLength(1)
    await s.close()
  })
})
