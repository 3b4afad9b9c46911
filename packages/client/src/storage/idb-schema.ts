import { wrap, type DBSchema, type IDBPDatabase } from 'idb'
import { toStorageError } from '../errors.js'
import { upgradeOutboxTo3 } from './idb-upgrade-3.js'
import type { DocMeta, LogOrigin } from './types.js'

/**
 * One IndexedDB database holds every doc. Log and outbox rows are keyed by
 * [docId, seq], so a doc's rows are one key range and seqs sort numerically.
 */
export interface WeftDBSchema extends DBSchema {
  meta: { key: string; value: DocMeta }
  snapshots: { key: string; value: Uint8Array }
  log: { key: [string, number]; value: { docId: string; seq: number; origin: LogOrigin; bytes: Uint8Array } }
  /** Keyed by the protocol session's seq, stored as it is (version 3; before: storage-allocated `clientSeq`). */
  outbox: { key: [string, number]; value: { docId: string; seq: number; bytes: Uint8Array } }
  /** Local deltas written the moment they happen, until their log + outbox write lands (version 2; keyed by seq since 3). */
  journal: { key: [string, number]; value: { docId: string; seq: number; bytes: Uint8Array } }
}

export type WeftDB = IDBPDatabase<WeftDBSchema>

/**
 * Bump with a migration in `onupgradeneeded` whenever the stores change.
 *
 * History of the storage format:
 * - 1: meta, snapshots, log, outbox keyed [docId, clientSeq] (storage-allocated, 1…n per doc).
 * - 2: + journal keyed [docId, key] (`${replicaId}:${n}`): local deltas written in the keystroke's task.
 * - 3: outbox and journal keyed [docId, seq], the protocol session's seq stored as it is; meta
 *   `lastClientSeq` / `ackedClientSeq` replaced by `seqBlocks` (see OUTBOX_SEQ_BLOCK). Older rows
 *   keep their numbers in block 0 ({@link upgradeOutboxTo3}).
 */
export const SCHEMA_VERSION = 3

export interface OpenOptions {
  factory: IDBFactory
  name: string
  /** The connection died without us closing it (storage cleared, tab suspended, another tab upgrading). */
  onLost: (why: string) => void
}

/** Open (and create or upgrade) the database; failures map to a 'unavailable' storage error. */
export async function openWeftDB({ factory, name, onLost }: OpenOptions): Promise<WeftDB> {
  let request: IDBOpenDBRequest
  try {
    request = factory.open(name, SCHEMA_VERSION)
  } catch (e) {
    // Some private modes throw synchronously from open().
    throw toStorageError(e, 'unavailable')
  }
  request.onupgradeneeded = (event) => {
    const raw = request.result
    if (!raw.objectStoreNames.contains('meta')) raw.createObjectStore('meta')
    if (!raw.objectStoreNames.contains('snapshots')) raw.createObjectStore('snapshots')
    if (!raw.objectStoreNames.contains('log')) raw.createObjectStore('log', { keyPath: ['docId', 'seq'] })
    const t = request.transaction
    if (event.oldVersion >= 1 && event.oldVersion < 3 && t) upgradeOutboxTo3(raw, t)
    else {
      if (!raw.objectStoreNames.contains('outbox')) raw.createObjectStore('outbox', { keyPath: ['docId', 'seq'] })
      if (!raw.objectStoreNames.contains('journal')) raw.createObjectStore('journal', { keyPath: ['docId', 'seq'] })
    }
  }
  let raw: IDBDatabase
  try {
    raw = await new Promise<IDBDatabase>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'))
    })
  } catch (e) {
    throw toStorageError(e, 'unavailable')
  }
  raw.addEventListener('close', () => onLost('the connection was closed by the browser'))
  // Another tab wants to upgrade or delete: let it, and reopen on our next operation.
  raw.addEventListener('versionchange', () => {
    raw.close()
    onLost('another tab is upgrading or deleting the database')
  })
  return wrap(raw) as unknown as WeftDB
}
