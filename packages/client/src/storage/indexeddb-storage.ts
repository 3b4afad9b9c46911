import type { IDBPTransaction, StoreNames } from 'idb'
import { ownBuffer } from '../bytes.js'
import { WeftStorageError, toStorageError } from '../errors.js'
import { openIdbJournal, type IdbJournal } from './idb-journal.js'
import { openWeftDB, type WeftDB, type WeftDBSchema } from './idb-schema.js'
import { EMPTY_META, OUTBOX_SEQ_BLOCK, nextSeqBlock, type AppendResult, type DocMeta, type LogOrigin, type Storage, type StoredDoc } from './types.js'

/** Options for {@link indexedDBStorage}; the defaults are the browser's globals. */
export interface IndexedDBStorageOptions {
  /** IndexedDB factory, e.g. `new IDBFactory()` from fake-indexeddb in tests. */
  indexedDB?: IDBFactory
  keyRange?: typeof IDBKeyRange
}

type Names = StoreNames<WeftDBSchema>[]
type Tx<M extends IDBTransactionMode> = IDBPTransaction<WeftDBSchema, Names, M>

/**
 * Storage in one IndexedDB database named `dbName`. Every method is one
 * transaction; seqs are allocated inside the same readwrite transaction that
 * writes the rows, so tabs writing the same doc serialize instead of colliding.
 * A lost connection is reopened on the next call.
 *
 * @example
 * const client = createClient({ url, storage: indexedDBStorage('my-app') })
 */
export function indexedDBStorage(dbName: string, options: IndexedDBStorageOptions = {}): Storage {
  let db: Promise<WeftDB> | undefined
  /** The keystroke journal, opened beside the docs database on first use. */
  let journalDb: IdbJournal | undefined
  let closed = false
  /**
   * Docs whose load found no journal rows in the docs database (format 3 kept
   * them there; no page of that format can open this version again), so a
   * local append has none to clear and leaves that store out of its transaction.
   */
  const noLegacyJournal = new Set<string>()
  const errorListeners = new Set<(e: WeftStorageError) => void>()
  const lost = (why: string): void => {
    const err = new WeftStorageError('connection-lost', `IndexedDB ${dbName}: ${why}; reopening on the next write`)
    for (const l of errorListeners) l(err)
  }

  // Browser globals are read on first use, never at import (Node imports this module too).
  const factory = (): IDBFactory => {
    const f = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
    if (!f) throw new WeftStorageError('unavailable', 'IndexedDB is not available here')
    return f
  }
  const keyRange = (): typeof IDBKeyRange => {
    const k = options.keyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange
    if (!k) throw new WeftStorageError('unavailable', 'IDBKeyRange is not available here')
    return k
  }
  const docRange = (docId: string, from = 0, to = Infinity): IDBKeyRange => keyRange().bound([docId, from], [docId, to])

  const connect = (): Promise<WeftDB> => {
    if (closed) return Promise.reject(new WeftStorageError('closed', `storage ${dbName} is closed`))
    if (!db) {
      const onLost = (why: string): void => {
        if (db === opening) db = undefined
        if (!closed) lost(why)
      }
      const opening: Promise<WeftDB> = Promise.resolve().then(() => {
        // Opened with the docs database, so it is open by the first keystroke.
        journalDb ??= openIdbJournal(factory(), keyRange(), `${dbName}-journal`)
        return openWeftDB({ factory: factory(), name: dbName, onLost })
      })
      db = opening
      // A failed open is not cached: the next call (a retry) tries again.
      opening.catch(() => void (db === opening && (db = undefined)))
    }
    return db
  }

  async function tx<M extends IDBTransactionMode, T>(stores: Names, mode: M, fn: (t: Tx<M>) => Promise<T>): Promise<T> {
    const current = connect()
    let t: Tx<M>
    try {
      t = (await current).transaction(stores, mode) as Tx<M>
    } catch (e) {
      const err = toStorageError(e)
      if (err.code === 'connection-lost' && db === current) db = undefined
      throw err
    }
    const done = t.done
    done.catch(() => undefined) // observed below; keep it from being reported as unhandled
    try {
      const result = await fn(t)
      await done
      return result
    } catch (e) {
      try {
        t.abort()
      } catch {
        // already finished or aborted
      }
      // The abort's own rejection says only "AbortError": the first failure, thrown below, says why.
      await done.catch(() => undefined)
      // The first failure says why (e.g. QuotaExceededError); the abort that follows would only say "AbortError".
      const err = toStorageError(e)
      if (err.code === 'connection-lost' && db === current) db = undefined
      throw err
    }
  }

  const metaOf = async (t: Tx<'readwrite'> | Tx<'readonly'>, docId: string): Promise<DocMeta> => (await t.objectStore('meta').get(docId)) ?? EMPTY_META

  const appendLog = async (
    t: Tx<'readwrite'>,
    docId: string,
    bytes: Uint8Array,
    origin: LogOrigin,
    serverSeq: number,
  ): Promise<{ seq: number; meta: DocMeta }> => {
    const before = await metaOf(t, docId)
    const seq = before.lastSeq + 1
    const meta: DocMeta = {
      ...before,
      lastSeq: seq,
      serverSeq: Math.max(before.serverSeq, serverSeq),
      logCount: before.logCount + 1,
      logBytes: before.logBytes + bytes.byteLength,
    }
    await t.objectStore('log').put({ docId, seq, origin, bytes: ownBuffer(bytes) })
    return { seq, meta }
  }

  return {
    load: async (docId) => {
      const stored = await tx(['meta', 'snapshots', 'log', 'outbox', 'journal'], 'readonly', async (t): Promise<StoredDoc> => {
        const [meta, snapshot, log, outbox, legacyJournal] = await Promise.all([
          metaOf(t, docId),
          t.objectStore('snapshots').get(docId),
          t.objectStore('log').getAll(docRange(docId)),
          t.objectStore('outbox').getAll(docRange(docId)),
          // Format 3 kept the journal here: a page of that version may have left entries.
          t.objectStore('journal').getAll(docRange(docId)),
        ])
        return {
          snapshot,
          journal: legacyJournal.map(({ seq, bytes }) => ({ seq, bytes })),
          log: log.map(({ seq, origin, bytes }) => ({ seq, origin, bytes })),
          outbox: outbox.map(({ seq, bytes }) => ({ seq, bytes })),
          meta,
        }
      })
      if (stored.journal?.length === 0) noLegacyJournal.add(docId)
      // Read after the docs: an entry whose write landed in between shows in both, and the load tells them apart.
      const journal = (await journalDb?.read(docId)) ?? []
      if (journal.length === 0) return stored
      const bySeq = new Map([...(stored.journal ?? []), ...journal].map((e) => [e.seq, e]))
      return { ...stored, journal: [...bySeq.values()].sort((a, b) => a.seq - b.seq) }
    },

    claimSeqBlock: (docId) =>
      tx(['meta', 'outbox'], 'readwrite', async (t) => {
        const [before, last] = await Promise.all([metaOf(t, docId), t.objectStore('outbox').openKeyCursor(docRange(docId), 'prev')])
        const meta: DocMeta = { ...before, seqBlocks: nextSeqBlock(before.seqBlocks, last?.primaryKey[1] ?? 0) }
        await t.objectStore('meta').put(meta, docId)
        return meta.seqBlocks * OUTBOX_SEQ_BLOCK
      }),

    appendLocal: async (docId, outboxSeq, bytes) => {
      const legacy = !noLegacyJournal.has(docId)
      const stores: Names = legacy ? ['meta', 'log', 'outbox', 'journal'] : ['meta', 'log', 'outbox']
      const result = await tx(stores, 'readwrite', async (t): Promise<AppendResult> => {
        const { seq, meta } = await appendLog(t, docId, bytes, 'local', 0)
        await Promise.all([
          t.objectStore('outbox').put({ docId, seq: outboxSeq, bytes }),
          t.objectStore('meta').put(meta, docId),
          legacy ? t.objectStore('journal').delete([docId, outboxSeq]) : undefined, // an entry a format-3 page left
        ])
        return { seq, meta }
      })
      // Not atomic with the write above: an entry this misses is left over,
      // and the load after it knows it by its dots (see LocalReplica).
      journalDb?.dropSoon(docId, outboxSeq)
      return result
    },

    journal: (docId, seq, bytes, received) => journalDb?.put(docId, seq, bytes, received),

    dropJournal: (docId, seq) => journalDb?.drop(docId, seq),

    appendRemote: (docId, bytes, serverSeq = 0) =>
      tx(['meta', 'log'], 'readwrite', async (t): Promise<AppendResult> => {
        const { seq, meta } = await appendLog(t, docId, bytes, 'remote', serverSeq)
        await t.objectStore('meta').put(meta, docId)
        return { seq, meta }
      }),

    ackOutbox: (docId, after, upTo, serverSeq = 0) =>
      tx(['meta', 'outbox'], 'readwrite', async (t) => {
        const before = await metaOf(t, docId)
        const meta: DocMeta = { ...before, serverSeq: Math.max(before.serverSeq, serverSeq) }
        await Promise.all([
          upTo > after ? t.objectStore('outbox').delete(keyRange().bound([docId, after], [docId, upTo], true, false)) : undefined,
          before.lastSeq > 0 ? t.objectStore('meta').put(meta, docId) : undefined,
        ])
        return meta
      }),

    compact: (docId, snapshot, upTo) =>
      tx(['meta', 'snapshots', 'log'], 'readwrite', async (t) => {
        const before = await metaOf(t, docId)
        if (upTo <= before.snapshotSeq || upTo > before.lastSeq) return false
        const log = t.objectStore('log')
        const range = docRange(docId, 0, upTo)
        const dropped = await log.getAll(range)
        const droppedBytes = dropped.reduce((n, e) => n + e.bytes.byteLength, 0)
        const meta: DocMeta = {
          ...before,
          snapshotSeq: upTo,
          logCount: before.logCount - dropped.length,
          logBytes: before.logBytes - droppedBytes,
          snapshotBytes: snapshot.byteLength,
        }
        await Promise.all([log.delete(range), t.objectStore('snapshots').put(snapshot, docId), t.objectStore('meta').put(meta, docId)])
        return true
      }),

    listDocs: () =>
      tx(['meta'], 'readonly', async (t) => {
        const store = t.objectStore('meta')
        const [keys, metas] = await Promise.all([store.getAllKeys(), store.getAll()])
        // A doc only opened (a seq block claimed) has no data yet.
        return keys.filter((_, i) => (metas[i]?.lastSeq ?? 0) > 0).sort()
      }),

    docsWithOutbox: async () => {
      const ids = await tx(['outbox', 'journal'], 'readonly', async (t) => {
        const found = new Set<string>()
        for (const name of ['outbox', 'journal'] as const) {
          // One step per doc: from a doc's first key, jump past its last.
          let cursor = await t.objectStore(name).openKeyCursor()
          while (cursor) {
            const docId = cursor.key[0]
            found.add(docId)
            cursor = await cursor.continue([docId, Number.POSITIVE_INFINITY])
          }
        }
        return found
      })
      for (const id of (await journalDb?.docIds()) ?? []) ids.add(id)
      return [...ids].sort()
    },

    deleteDoc: async (docId) => {
      await tx(['meta', 'snapshots', 'log', 'outbox', 'journal'], 'readwrite', async (t) => {
        await Promise.all([
          t.objectStore('meta').delete(docId),
          t.objectStore('snapshots').delete(docId),
          t.objectStore('log').delete(docRange(docId)),
          t.objectStore('outbox').delete(docRange(docId)),
          t.objectStore('journal').delete(docRange(docId)),
        ])
      })
      await journalDb?.clear(docId)
    },

    onError: (listener) => {
      errorListeners.add(listener)
      return () => void errorListeners.delete(listener)
    },

    close: async () => {
      closed = true
      journalDb?.close()
      const current = db
      db = undefined
      // A connection that never opened has nothing to close; its failure went to the call that opened it.
      if (current) (await current.catch(() => undefined))?.close()
    },
  }
}
