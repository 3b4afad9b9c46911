/**
 * @weft/client: the browser and Node runtime around crdt-core — local storage,
 * tab sync, transport, outbox and presence.
 */
export { WeftStorageError, isWeftStorageError } from './errors.js'
export type { StorageErrorCode } from './errors.js'
export { memoryStorage } from './storage/memory-storage.js'
export { indexedDBStorage } from './storage/indexeddb-storage.js'
export type { IndexedDBStorageOptions } from './storage/indexeddb-storage.js'
export type {
  Storage,
  StoredDoc,
  DocMeta,
  LogEntry,
  LogOrigin,
  OutboxEntry,
  AppendResult,
  AppendLocalResult,
} from './storage/types.js'
