import { WeftStorageError, type StorageErrorCode } from '../errors.js'
import { memoryStorage } from './memory-storage.js'
import type { Storage } from './types.js'

/** The storage methods that change what is stored; every fault is armed on one of these. */
export type StorageWriteMethod = 'claimSeqBlock' | 'appendLocal' | 'appendRemote' | 'ackOutbox' | 'compact' | 'deleteDoc'

/** One write about to run, as a fault plan sees it. */
export interface StorageWrite {
  /** 1-based count of writes over the whole store (every connection), this one included. */
  readonly n: number
  readonly method: StorageWriteMethod
  readonly docId: string
  readonly connection: FaultyStorage
}

/**
 * What happens to one write:
 * - `crash-before`: the process dies before the write reaches the disk;
 * - `crash-after`: it dies right after the write committed, before the caller hears of it;
 * - a {@link StorageErrorCode} (`quota-exceeded`, `failed`, ...): the write is refused and nothing is stored.
 */
export type StorageFault = 'crash-before' | 'crash-after' | Exclude<StorageErrorCode, 'closed'>

/** One connection to a {@link FaultyStore}: a tab's storage, or a process's until it crashes. */
export interface FaultyStorage extends Storage {
  /** The process holding this connection crashed: nothing it calls settles any more, ever. */
  readonly dead: boolean
  /** Calls waiting for {@link FaultyStore.complete} (held mode). */
  readonly held: number
  /** While set, every call of this connection (reads too) is refused with this code, and nothing is stored. */
  failWith: StorageErrorCode | undefined
}

/**
 * A memory store that survives its connections, with faults armed per write:
 * the storage that a simulated device keeps across crashes. Without a plan
 * (and not held) each connection behaves as `memoryStorage()`.
 *
 * @example
 * const store = faultyStore()
 * store.plan = (w) => (w.n === 7 ? 'crash-before' : undefined)
 * let client = createClient({ storage: store.open() })
 * // ... once client's storage is dead: drop the client, start a new process over what survived
 * client = createClient({ storage: store.open() })
 */
export interface FaultyStore {
  /** A new connection over the stored state (a new tab, or a process restarted after a crash). */
  open(): FaultyStorage
  /** Decides each write's fate; `undefined` (or returning `undefined`) runs it normally. */
  plan: ((write: StorageWrite) => StorageFault | undefined) | undefined
  /** Called when a connection dies of an armed crash. */
  onCrash: ((connection: FaultyStorage) => void) | undefined
  /**
   * Held mode: calls wait until {@link complete} runs them, so a test picks when
   * the disk is slow. Each connection's calls run in the order they were made.
   */
  hold: boolean
  /** Writes attempted so far over every connection (faulted ones included). */
  readonly writes: number
  /** Connections with held calls. */
  heldConnections(): FaultyStorage[]
  /** Runs the oldest held call of `connection`; false if it had none. */
  complete(connection: FaultyStorage): boolean
  /** The device is wiped: everything stored is gone (connections open now keep failing as dead). */
  wipe(): void
}

const WRITES: ReadonlySet<string> = new Set<StorageWriteMethod>(['claimSeqBlock', 'appendLocal', 'appendRemote', 'ackOutbox', 'compact', 'deleteDoc'])
const never = <T>(): Promise<T> => new Promise<T>(() => undefined)

/** A fault-injecting memory store; see {@link FaultyStore}. */
export function faultyStore(): FaultyStore {
  let disk = memoryStorage()
  let writes = 0
  const queues = new Map<FaultyStorage, (() => void)[]>()

  const store: FaultyStore = {
    plan: undefined,
    onCrash: undefined,
    hold: false,
    get writes() {
      return writes
    },
    heldConnections: () => [...queues].filter(([c, q]) => q.length > 0 && !c.dead).map(([c]) => c),
    complete(connection) {
      const run = queues.get(connection)?.shift()
      run?.()
      return run !== undefined
    },
    wipe() {
      for (const c of queues.keys()) kill(c)
      queues.clear()
      disk = memoryStorage()
    },
    open: () => connect(),
  }

  const deadConnections = new WeakSet<FaultyStorage>()
  const kill = (c: FaultyStorage): void => {
    deadConnections.add(c)
    queues.delete(c)
  }

  function connect(): FaultyStorage {
    let closed = false
    const queue: (() => void)[] = []
    /** Runs one call now: its fault (if it is a write with one armed), then the memory store. */
    const perform = <T>(method: keyof Storage, docId: string, call: () => Promise<T>): Promise<T> => {
      if (closed) return Promise.reject(new WeftStorageError('closed', 'storage is closed'))
      if (!WRITES.has(method)) return call()
      const n = ++writes
      const fault = store.plan?.({ n, method: method as StorageWriteMethod, docId, connection })
      if (fault === undefined) return call()
      if (fault === 'crash-before' || fault === 'crash-after') {
        // The write is atomic: it committed entirely or not at all. The process dies either way.
        // A memory write only fails once closed, and a dead process hears nothing anyway.
        if (fault === 'crash-after') call().catch(() => undefined)
        kill(connection)
        store.onCrash?.(connection)
        return never()
      }
      return Promise.reject(new WeftStorageError(fault, `injected ${fault} on ${method}(${docId})`))
    }
    const guard = <T>(method: keyof Storage, docId: string, call: () => Promise<T>): Promise<T> => {
      if (deadConnections.has(connection)) return never()
      if (closed) return Promise.reject(new WeftStorageError('closed', 'storage is closed'))
      const code = connection.failWith
      if (code) return Promise.reject(new WeftStorageError(code, `injected ${code} on ${method}(${docId})`))
      if (!store.hold) return perform(method, docId, call)
      return new Promise<T>((resolve, reject) => {
        queue.push(() => {
          if (!deadConnections.has(connection)) perform(method, docId, call).then(resolve, reject)
        })
      })
    }
    const connection: FaultyStorage = {
      failWith: undefined,
      get dead() {
        return deadConnections.has(connection)
      },
      get held() {
        return queue.length
      },
      load: (docId) => guard('load', docId, () => disk.load(docId)),
      claimSeqBlock: (docId) => guard('claimSeqBlock', docId, () => disk.claimSeqBlock(docId)),
      appendLocal: (docId, seq, bytes) => guard('appendLocal', docId, () => disk.appendLocal(docId, seq, bytes)),
      appendRemote: (docId, bytes, serverSeq) => guard('appendRemote', docId, () => disk.appendRemote(docId, bytes, serverSeq)),
      ackOutbox: (docId, after, upTo, serverSeq) => guard('ackOutbox', docId, () => disk.ackOutbox(docId, after, upTo, serverSeq)),
      compact: (docId, snapshot, upTo) => guard('compact', docId, () => disk.compact(docId, snapshot, upTo)),
      listDocs: () => guard('listDocs', '', () => disk.listDocs()),
      docsWithOutbox: () => guard('docsWithOutbox', '', () => disk.docsWithOutbox?.() ?? Promise.resolve([])),
      deleteDoc: (docId) => guard('deleteDoc', docId, () => disk.deleteDoc(docId)),
      // Closes this connection only: the store (the device's disk) outlives it.
      close: () => {
        closed = true
        queues.delete(connection)
        return Promise.resolve()
      },
    }
    queues.set(connection, queue)
    return connection
  }

  return store
}
