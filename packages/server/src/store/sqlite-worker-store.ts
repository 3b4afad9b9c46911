import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { FindingInput, FindingRecord, FindingsStore } from './findings-store.js'
import type { BatchListener, SqliteStoreOptions } from './sqlite-store.js'
import type { CallRequest, StoreCall, WireError, WorkerData, WorkerToMain, WorkerToMainBatch } from './sqlite-worker-protocol.js'
import { StoreClosedError } from './store-closed-error.js'
import { FencedError, ReplicaOwnedError, StaleSnapshotError } from './store-errors.js'
import type {
  AcquireLeaseOptions,
  AppendInput,
  DeltaRecord,
  DocHead,
  DocLease,
  LoadedDoc,
  ReadSinceResult,
  SnapshotRecord,
  Store,
  VersionVector,
  WriteSnapshotOptions,
} from './store.js'

/** A failure inside the SQLite worker, carrying the original error's name and code (e.g. `SQLITE_FULL`). */
export class SqliteWorkerError extends Error {
  override readonly name = 'SqliteWorkerError'
  constructor(
    message: string,
    /** Name of the error thrown in the worker (`SqliteError`, `Error`, ...), or `WorkerExit`. */
    readonly workerErrorName: string,
    readonly code: string | undefined,
  ) {
    super(message)
  }
}

interface Pending {
  readonly call: StoreCall
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

/**
 * The {@link SqliteStore} run on a worker thread: same file format, same
 * batching, same guarantee (an append resolves only after its transaction
 * COMMITs), but the commit and its fsync no longer block the event loop that
 * reads and writes sockets. Calls keep their order: they cross one FIFO port,
 * and those made within one event-loop turn (the frames of many sockets, say)
 * cross it as one message.
 *
 * @example
 * ```ts
 * const store = await SqliteWorkerStore.open({ path: './weft.db' })
 * const seq = await store.append('note:1', { bytes, ranges })
 * await store.close()
 * ```
 */
export class SqliteWorkerStore implements Store, FindingsStore {
  private readonly pending = new Map<number, Pending>()
  private outbox: CallRequest[] = []
  private nextId = 1
  private closing: Promise<void> | undefined
  private exited: SqliteWorkerError | undefined
  /** Called after each COMMIT of a batch of appends (for metrics). */
  onBatch: BatchListener | undefined

  private constructor(private readonly worker: Worker) {
    worker.on('message', (batch: WorkerToMainBatch) => {
      for (const m of batch) this.onMessage(m)
    })
    worker.on('error', (error) => this.failAll(new SqliteWorkerError(error.message, error.name, undefined)))
    worker.on('exit', (code) => this.failAll(new SqliteWorkerError(`SQLite worker exited (${code})`, 'WorkerExit', undefined)))
  }

  /**
   * Starts the worker and resolves once the file is open and migrated; rejects as the in-thread store would throw.
   * `batchWindowMs` defaults to 0 here: on its own thread a commit blocks no sockets, so a batch is whatever
   * arrived while the previous commit ran (group commit), with no timer added to every ack.
   */
  static open(options: SqliteStoreOptions): Promise<SqliteWorkerStore> {
    const workerData: WorkerData = { options: { batchWindowMs: 0, ...options } }
    const worker = startWorker(workerData)
    return new Promise((resolve, reject) => {
      const onMessage = (batch: WorkerToMainBatch): void => {
        const m = batch[0]
        if (m?.type === 'ready') {
          worker.off('message', onMessage)
          worker.off('error', onError)
          worker.off('exit', onExit)
          resolve(new SqliteWorkerStore(worker))
        } else if (m?.type === 'open-failed') {
          worker.off('error', onError)
          reject(fromWire(m.error))
        }
      }
      const onError = (error: Error): void => reject(error)
      // Settles nothing once ready or failed; covers a worker that ends before saying either.
      const onExit = (code: number): void => reject(new SqliteWorkerError(`SQLite worker exited (${code}) while opening`, 'WorkerExit', undefined))
      worker.on('message', onMessage)
      worker.once('error', onError)
      worker.once('exit', onExit)
    })
  }

  append(doc: string, input: AppendInput): Promise<number> {
    // A view into a larger buffer (a socket frame) would be cloned whole: send just its bytes.
    const bytes = input.bytes.byteLength === input.bytes.buffer.byteLength ? input.bytes : input.bytes.slice()
    return this.call({ op: 'append', doc, input: { bytes, ranges: input.ranges, ...(input.owner !== undefined && { owner: input.owner }) } }) as Promise<number>
  }
  readSince(doc: string, vv: VersionVector): Promise<ReadSinceResult> {
    return this.call({ op: 'readSince', doc, vv }) as Promise<ReadSinceResult>
  }
  readAfterSeq(doc: string, afterSeq: number): Promise<readonly DeltaRecord[]> {
    return this.call({ op: 'readAfterSeq', doc, afterSeq }) as Promise<readonly DeltaRecord[]>
  }
  writeSnapshot(doc: string, snapshot: SnapshotRecord, options: WriteSnapshotOptions = {}): Promise<void> {
    return this.call({ op: 'writeSnapshot', doc, snapshot, options }) as Promise<void>
  }
  readSnapshot(doc: string): Promise<SnapshotRecord | undefined> {
    return this.call({ op: 'readSnapshot', doc }) as Promise<SnapshotRecord | undefined>
  }
  load(doc: string): Promise<LoadedDoc> {
    return this.call({ op: 'load', doc }) as Promise<LoadedDoc>
  }
  head(doc: string): Promise<DocHead> {
    return this.call({ op: 'head', doc }) as Promise<DocHead>
  }
  logLength(doc: string): Promise<number> {
    return this.call({ op: 'logLength', doc }) as Promise<number>
  }
  listDocs(): Promise<readonly string[]> {
    return this.call({ op: 'listDocs' }) as Promise<readonly string[]>
  }

  listDocsAfter(after: string | undefined, limit: number): Promise<readonly string[]> {
    return this.call({ op: 'listDocsAfter', after, limit }) as Promise<readonly string[]>
  }
  acquireLease(doc: string, options: AcquireLeaseOptions): Promise<DocLease | undefined> {
    return this.call({ op: 'acquireLease', doc, options }) as Promise<DocLease | undefined>
  }
  /** Removes a doc entirely: log, snapshot, head and lease. */
  deleteDoc(doc: string): Promise<void> {
    return this.call({ op: 'deleteDoc', doc }) as Promise<void>
  }
  /** `PRAGMA integrity_check`: `'ok'` for a sound file. */
  integrityCheck(): Promise<string> {
    return this.call({ op: 'integrityCheck' }) as Promise<string>
  }

  recordFinding(input: FindingInput): Promise<boolean> {
    return this.call({ op: 'recordFinding', input }) as Promise<boolean>
  }
  openFindings(doc: string): Promise<readonly FindingRecord[]> {
    return this.call({ op: 'openFindings', doc }) as Promise<readonly FindingRecord[]>
  }
  resolveFinding(finding: Pick<FindingInput, 'kind' | 'check' | 'doc' | 'key'>, at: number): Promise<boolean> {
    return this.call({ op: 'resolveFinding', finding, at }) as Promise<boolean>
  }
  listFindings(options: { readonly limit: number; readonly openOnly?: boolean }): Promise<readonly FindingRecord[]> {
    return this.call({ op: 'listFindings', options }) as Promise<readonly FindingRecord[]>
  }

  /** Commits what is pending (every earlier call is answered first), closes the file and stops the worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.exited) return
      await this.send({ op: 'close' })
      await this.worker.terminate()
    })()
    return this.closing
  }

  private call(call: StoreCall): Promise<unknown> {
    if (this.closing !== undefined) return Promise.reject(new StoreClosedError())
    return this.send(call)
  }

  private send(call: StoreCall): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited)
    return new Promise((resolve, reject) => {
      const id = this.nextId++
      this.pending.set(id, { call, resolve, reject })
      this.outbox.push({ id, call })
      if (this.outbox.length === 1) setImmediate(this.post)
    })
  }

  /** Posts the calls made in this event-loop turn as one message (one clone, one wake-up of the worker). */
  private readonly post = (): void => {
    const batch = this.outbox
    this.outbox = []
    if (batch.length > 0 && !this.exited) this.worker.postMessage(batch)
  }

  private onMessage(m: WorkerToMain): void {
    switch (m.type) {
      case 'batch':
        this.onBatch?.(m.size, m.durationMs)
        return
      case 'result':
      case 'failed': {
        const p = this.pending.get(m.id)
        if (!p) return
        this.pending.delete(m.id)
        if (m.type === 'result') return p.resolve(m.value)
        // Appends of this doc posted from now on may commit again ([STORE-2]; see the worker).
        if (p.call.op === 'append' && this.closing === undefined) this.send({ op: 'clear', doc: p.call.doc, failedId: m.id }).catch(() => {})
        p.reject(fromWire(m.error))
        return
      }
      default:
        return
    }
  }

  private failAll(error: SqliteWorkerError): void {
    if (this.exited) return
    this.exited = error
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
    this.outbox = []
  }
}

/** Rebuilds an error from the worker as the class callers test for. */
function fromWire(e: WireError): Error {
  if (e.name === 'StoreClosedError') return new StoreClosedError()
  if (e.name === 'RangeError') return new RangeError(e.message)
  if (e.name === 'TypeError') return new TypeError(e.message)
  if (e.name === 'FencedError') return new FencedError(e.message)
  if (e.owned) return new ReplicaOwnedError(e.owned.doc, e.owned.replica, e.owned.owner)
  if (e.name === 'StaleSnapshotError') return new StaleSnapshotError(e.message)
  return new SqliteWorkerError(e.message, e.name, e.code)
}

/**
 * Starts the worker. Built, its module is `dist/store/sqlite-worker.js` (a
 * tsup entry of its own) seen from the bundle chunk in `dist/`. From source
 * (tsx, vitest) it is the `.ts` beside this file, which a worker can only load
 * after registering tsx's hooks itself: Node 20 ignores `--import` hooks for a
 * worker's entry module.
 */
function startWorker(workerData: WorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./store/sqlite-worker.js', import.meta.url), { workerData })
  // tsx's ESM register API; its CommonJS build cannot register hooks from a worker.
  const tsxApi = new URL('./index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api'))).href
  const entry = new URL('./sqlite-worker.ts', import.meta.url).href
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(boot, { eval: true, workerData })
}
