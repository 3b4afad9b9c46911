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
  put(docId: string, seq: number, bytes: Uint8Array, received?: readonly Uint8Array[]): void
  /** Drops an entry now, best effort, like `put` (a load found it already written). */
  drop(docId: string, seq: number): void
  /**
   * Drops an entry late: the drops of each ordered write are gathered for
   * {@link DROP_DELAY_MS} and deleted in one transaction, a range per run of
   * consecutive seqs. A drop only follows the entry's ordered write, so a
   * page that closes first leaves an entry the load knows by its dots.
   */
  dropSoon(docId: string, seq: number): void
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
/**
 * How long drops wait to be deleted together. A typist makes one journal
 * entry per keystroke; deleting each at once cost a transaction per key on
 * the main thread, for rows nobody reads unless the page dies.
 */
export const DROP_DELAY_MS = 1000

/** Sorted distinct seqs as `[first, last]` runs of consecutive numbers. */
export function seqRuns(seqs: readonly number[]): [number, number][] {
  const runs: [number, number][] = []
  for (const seq of [...new Set(seqs)].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1]
    if (last && seq === last[1] + 1) last[1] = seq
    else runs.push([seq, seq])
  }
  return runs
}

interface Row {
  readonly docId: string
  readonly seq: number
  readonly bytes: Uint8Array
  /** Absent when none waited (and in rows written before it existed). */
  readonly received?: readonly Uint8Array[]
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

  const write = (change: (store: IDBObjectStore) => void): void => {
    if (db === undefined || closed) return
    try {
      const t = db.transaction(STORE, 'readwrite')
      change(t.objectStore(STORE))
      t.commit?.()
    } catch {
      // Best effort: the ordered write is the one that counts.
    }
  }

  /** Drops waiting to be deleted, per doc; they are known written, so reads leave them out. */
  const drops = new Map<string, Set<number>>()
  let dropTimer: ReturnType<typeof setTimeout> | undefined
  const flushDrops = (): void => {
    if (dropTimer !== undefined) clearTimeout(dropTimer)
    dropTimer = undefined
    if (drops.size === 0) return
    const batch = [...drops]
    drops.clear()
    write((store) => {
      for (const [docId, seqs] of batch) for (const [from, to] of seqRuns([...seqs])) store.delete(keyRange.bound([docId, from], [docId, to]))
    })
  }
  const dropping = (docId: string, seq: number): boolean => drops.get(docId)?.has(seq) ?? false

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
    put: (docId, seq, bytes, received) => {
      drops.get(docId)?.delete(seq) // the newer word: keep it
      const row: Row = received !== undefined && received.length > 0 ? { docId, seq, bytes, received } : { docId, seq, bytes }
      write((s) => s.put(row))
    },
    drop: (docId, seq) => {
      drops.get(docId)?.delete(seq)
      write((s) => s.delete([docId, seq]))
    },
    dropSoon: (docId, seq) => {
      if (db === undefined || closed) return
      let seqs = drops.get(docId)
      if (!seqs) drops.set(docId, (seqs = new Set()))
      seqs.add(seq)
      dropTimer ??= setTimeout(flushDrops, DROP_DELAY_MS)
    },
    read: async (docId) => {
      const rows = ((await request((s) => s.getAll(range(docId)), 'readonly')) ?? []) as Row[]
      return rows.filter((r) => !dropping(docId, r.seq)).map(({ seq, bytes, received }) => (received ? { seq, bytes, received } : { seq, bytes }))
    },
    docIds: async () => {
      const keys = ((await request((s) => s.getAllKeys(), 'readonly')) ?? []) as [string, number][]
      return [...new Set(keys.filter(([docId, seq]) => !dropping(docId, seq)).map(([docId]) => docId))]
    },
    clear: async (docId) => {
      drops.delete(docId)
      await request((s) => s.delete(range(docId)), 'readwrite')
    },
    close: () => {
      // Started before the close, so it still commits (a close waits for running transactions).
      flushDrops()
      closed = true
      db?.close()
      db = undefined
    },
  }
}
