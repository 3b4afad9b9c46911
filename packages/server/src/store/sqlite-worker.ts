/**
 * Worker-thread entry of {@link SqliteWorkerStore}: owns the better-sqlite3
 * connection, so COMMIT and its fsync block this thread, never the server's
 * event loop. Appends are batched by the {@link SqliteStore} it wraps (one
 * transaction per window); each append's answer is posted only after that
 * transaction committed.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { SqliteStore } from './sqlite-store.js'
import { type CallRequest, type MainToWorker, type StoreCall, type WorkerData, type WorkerToMain, toWireError } from './sqlite-worker-protocol.js'

const port = parentPort
if (!port) throw new Error('sqlite-worker.ts must run as a worker thread')

/**
 * Answers of one task leave as one message: a committed batch's appends
 * reach the main thread together, so their acks and fan-out go out in one
 * pass (and one write per socket).
 */
let outbox: WorkerToMain[] = []
const post = (m: WorkerToMain): void => {
  outbox.push(m)
  if (outbox.length === 1) queueMicrotask(flushOutbox)
}
function flushOutbox(): void {
  const batch = outbox
  outbox = []
  port?.postMessage(batch)
}

let store: SqliteStore
try {
  store = new SqliteStore((workerData as WorkerData).options)
} catch (error) {
  port.postMessage([{ type: 'open-failed', error: toWireError(error) }] satisfies WorkerToMain[])
  process.exit(0)
}
store.onBatch = (size, durationMs) => post({ type: 'batch', size, durationMs })
post({ type: 'ready' })

/**
 * Docs with a failed append whose failure the main thread has not seen yet,
 * with the call id of the first failed append. Appends of such a doc that
 * were posted before the main thread learned of the failure are refused, so
 * the durable log stays a prefix of what was issued ([STORE-2]) even though
 * the main thread keeps sending meanwhile. The main thread's `clear` (sent as
 * it sees a failure) ends it; the store's own one-macrotask mark ends with it
 * (that mark measures this thread's turns, not what the main thread saw).
 */
const poisoned = new Map<string, { readonly error: unknown; readonly id: number }>()

function run(call: StoreCall): Promise<unknown> {
  switch (call.op) {
    case 'append': {
      const poison = poisoned.get(call.doc)
      if (poison !== undefined) return Promise.reject(poison.error)
      return store.append(call.doc, call.input)
    }
    case 'readSince':
      return store.readSince(call.doc, call.vv)
    case 'readAfterSeq':
      return store.readAfterSeq(call.doc, call.afterSeq)
    case 'writeSnapshot':
      return store.writeSnapshot(call.doc, call.snapshot, call.options)
    case 'readSnapshot':
      return store.readSnapshot(call.doc)
    case 'load':
      return store.load(call.doc)
    case 'head':
      return store.head(call.doc)
    case 'logLength':
      return store.logLength(call.doc)
    case 'listDocs':
      return store.listDocs()
    case 'listDocsAfter':
      return store.listDocsAfter(call.after, call.limit)
    case 'acquireLease':
      return store.acquireLease(call.doc, call.options)
    case 'deleteDoc':
      return store.deleteDoc(call.doc)
    case 'integrityCheck':
      return store.integrityCheck()
    case 'recordFinding':
      return store.recordFinding(call.input)
    case 'openFindings':
      return store.openFindings(call.doc)
    case 'resolveFinding':
      return store.resolveFinding(call.finding, call.at)
    case 'listFindings':
      return store.listFindings(call.options)
    case 'close':
      // Answer after the answers of every earlier call (their reactions run first).
      return store.close().then(() => new Promise((resolve) => setImmediate(resolve)))
    case 'clear': {
      // A clear for an older failure than the poison's (the main thread saw that one, not this one) keeps it.
      const poison = poisoned.get(call.doc)
      if (poison === undefined || poison.id <= call.failedId) {
        poisoned.delete(call.doc)
        store.forgetFailure(call.doc)
      }
      return Promise.resolve(undefined)
    }
  }
}

function handle({ id, call }: CallRequest): void {
  let answer: Promise<unknown>
  try {
    answer = run(call)
  } catch (error) {
    answer = Promise.reject(error)
  }
  answer.then(
    (value) => post({ type: 'result', id, value }),
    (error: unknown) => {
      // Set before the next message is read: the failed batch's rejections run right after its COMMIT attempt.
      if (call.op === 'append' && !poisoned.has(call.doc)) poisoned.set(call.doc, { error, id })
      post({ type: 'failed', id, error: toWireError(error) })
    },
  )
}

port.on('message', (requests: MainToWorker) => {
  for (const r of requests) handle(r)
})
