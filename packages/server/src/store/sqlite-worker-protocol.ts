import type { FindingInput } from './findings-store.js'
import type { SqliteStoreOptions } from './sqlite-store.js'
import { ReplicaOwnedError } from './store-errors.js'
import type { AcquireLeaseOptions, AppendInput, SnapshotRecord, WriteSnapshotOptions, VersionVector } from './store.js'

/**
 * Messages between {@link SqliteWorkerStore} (main thread) and the worker
 * that owns the better-sqlite3 connection. One FIFO port carries them, so the
 * worker sees calls in the order they were made.
 */

/** A Store call, by method name and arguments. */
export type StoreCall =
  | { readonly op: 'append'; readonly doc: string; readonly input: AppendInput }
  | { readonly op: 'readSince'; readonly doc: string; readonly vv: VersionVector }
  | { readonly op: 'readAfterSeq'; readonly doc: string; readonly afterSeq: number }
  | { readonly op: 'writeSnapshot'; readonly doc: string; readonly snapshot: SnapshotRecord; readonly options: WriteSnapshotOptions }
  | { readonly op: 'readSnapshot'; readonly doc: string }
  | { readonly op: 'load'; readonly doc: string }
  | { readonly op: 'head'; readonly doc: string }
  | { readonly op: 'logLength'; readonly doc: string }
  | { readonly op: 'listDocs' }
  | { readonly op: 'listDocsAfter'; readonly after: string | undefined; readonly limit: number }
  | { readonly op: 'acquireLease'; readonly doc: string; readonly options: AcquireLeaseOptions }
  | { readonly op: 'deleteDoc'; readonly doc: string }
  | { readonly op: 'integrityCheck' }
  | { readonly op: 'recordFinding'; readonly input: FindingInput }
  | { readonly op: 'openFindings'; readonly doc: string }
  | { readonly op: 'resolveFinding'; readonly finding: Pick<FindingInput, 'kind' | 'check' | 'doc' | 'key'>; readonly at: number }
  | { readonly op: 'listFindings'; readonly options: { readonly limit: number; readonly openOnly?: boolean } }
  | { readonly op: 'close' }
  /**
   * The main thread has seen the failure of the append with call id `failedId`
   * of `doc`: appends of it posted after this are accepted again, unless a
   * later failure (an append posted after `failedId`) poisoned it anew (see
   * `poisoned` in the worker).
   */
  | { readonly op: 'clear'; readonly doc: string; readonly failedId: number }

export interface CallRequest {
  readonly id: number
  readonly call: StoreCall
}

/** What the main thread posts: calls made within one task, in order. */
export type MainToWorker = readonly CallRequest[]

/** An error as it crosses the thread boundary; rebuilt as the same class on the main thread. */
export interface WireError {
  readonly name: string
  readonly message: string
  readonly code?: string
  /** A `ReplicaOwnedError`'s fields ([BIND-1]). */
  readonly owned?: { readonly doc: string; readonly replica: number; readonly owner: string }
}

/** What the worker posts: the answers of one of its tasks, in order. */
export type WorkerToMainBatch = readonly WorkerToMain[]

export type WorkerToMain =
  | { readonly type: 'ready' }
  | { readonly type: 'open-failed'; readonly error: WireError }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError }
  | { readonly type: 'batch'; readonly size: number; readonly durationMs: number }

/** Data the worker is started with. */
export interface WorkerData {
  readonly options: SqliteStoreOptions
}

export function toWireError(error: unknown): WireError {
  if (error instanceof ReplicaOwnedError) {
    return { name: error.name, message: error.message, code: error.code, owned: { doc: error.doc, replica: error.replica, owner: error.owner } }
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) }
  }
  return { name: 'Error', message: String(error) }
}
