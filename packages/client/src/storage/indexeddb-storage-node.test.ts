import { expect, it } from 'vitest'
import { isWeftStorageError } from '../errors.js'
import { indexedDBStorage } from './indexeddb-storage.js'

// No fake-indexeddb here: this file sees Node's globals, which have no IndexedDB.
it('reports unavailable when there is no IndexedDB at all (Node), without touching globals at import', async () => {
  expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined()
  const s = indexedDBStorage('db')
  const err: unknown = await s.load('doc').catch((e: unknown) => e)
  expect(isWeftStorageError(err) && err.code).toBe('unavailable')
})
