import type { JournalEntry } from './types.js'

/**
 * The keystroke journal in a database of its own (`<name>-journal`), so that
 * no transaction on the doc stores can ever hold it up.
 *
 * A journal write has to survive the page closing in the same task: it is
 * one blind write, committed at once, and needs nothing more from the page.
 * In the docs database it would still wait behind any transaction whose
 * scope touches the journal, and those (a load, an ordered write) read before
 * they write: they need the page alive to finish, so a journal write queued
 * behind one dies with the page. Here the only other transactions are writes
 * like it and a one-request read.
 */
export interface IdbJournal {
  /** Starts the write now, in the caller's task. Best effort: a write that fails loses only the head start. */
  put(docId: string, seq: number, bytes: Uint8Array): void
  /** Drops an entry, best effort, like `put`. */
  drop(docId: string, seq: number): void
  /** Every entry of a doc, in seq order; empty when the journal cannot be read. */
  read(docId: string): Promise<JournalEntry[]>
  /** Ids of the docs with entries; empty when the journal cannot be read. */
  docIds(): Promise<string[]>
  /** Drops every entry of a doc; resolves once done (or failed). */
  clear(docId: string): Promise<void>
  close(): void
}

const STORE = 'journal'
const VERSION = 1

interface Row {
  readonly docId: string
  readonly seq: number
  readonly bytes: Uint8Array
}

/**
 * Opens the journal database in the background: until it is open, `put` and
 * `drop` do nothing (the ordered write still comes), and `read` waits for it.
 */
export function openIdbJournal(factory: IDBFactory, keyRange: typeof IDBKeyRange, name: string): IdbJournal {
  let db: IDBDatabase | undefined
  let closed = false
  const opened = new Promise<IDBDatabase | undefined>((resolve) => {
    let request: IDBOpenDBRequest
    try {
      request = factory.open(name, VERSION)
    } catch {
      resolve(undefined) // some private modes throw: the journal is a head start, not a must
      return
    }
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE, { keyPath: ['docId', 'seq'] })
    }
    request.onsuccess = () => {
      const raw = request.result
      // Another tab upgrading or deleting: let it; this tab writes no journal until reloaded.
      raw.onversionchange = () => {
        raw.close()
        db = undefined
      }
      if (closed) raw.close()
      else db = raw
      resolve(db)
    }
    request.onerror = () => resolve(undefined)
  })
  const range = (docId: string): IDBKeyRange => keyRange.bound([docId, 0], [docId, Infinity])

  const write = (change: (store: IDBObjectStore) => IDBRequest): void => {
    if (db === undefined || closed) return
    try {
      const t = db.transaction(STORE, 'readwrite')
      change(t.objectStore(STORE))
      t.commit?.()
    } catch {
      // Best effort: the ordered write is the one that counts.
    }
  }

  const request = <T>(fn: (store: IDBObjectStore) => IDBRequest<T>, mode: IDBTransactionMode): Promise<T | undefined> =>
    opened.then(
      (d) =>
        new Promise<T | undefined>((resolve) => {
          if (d === undefined || closed || db === undefined) return resolve(undefined)
          try {
            const t = d.transaction(STORE, mode)
            const r = fn(t.objectStore(STORE))
            t.oncomplete = () => resolve(r.result)
            t.onabort = () => resolve(undefined)
            t.commit?.()
          } catch {
            resolve(undefined)
          }
        }),
    )

  return {
    put: (docId, seq, bytes) => write((s) => s.put({ docId, seq, bytes })),
    drop: (docId, seq) => write((s) => s.delete([docId, seq])),
    read: async (docId) => {
      const rows = ((await request((s) => s.getAll(range(docId)), 'readonly')) ?? []) as Row[]
      return rows.map(({ seq, bytes }) => ({ seq, bytes }))
    },
    docIds: async () => {
      const keys = ((await request((s) => s.getAllKeys(), 'readonly')) ?? []) as [string, number][]
      return [...new Set(keys.map(([docId]) => docId))]
    },
    clear: async (docId) => {
      await request((s) => s.delete(range(docId)), 'readwrite')
    },
    close: () => {
      closed = true
      db?.close()
      db = undefined
    },
  }
}
