import type { Storage } from '@weft/client'

const never = <T>(): Promise<T> => new Promise<T>(() => undefined)

/**
 * A tab process's view of its disk connection: once the process is dead
 * (`alive()` false) it makes no more calls, and no call it made settles in it
 * any more. A call it made before dying still reaches the disk when the disk
 * gets to it (committed just before the crash, as `crash-after` does); what
 * would have followed it in the process (the write queue's next write) never
 * runs. Without this, a crashed tab's write queue kept writing edits to the
 * disk long after the crash, histories no browser can produce.
 */
export function processStorage(storage: Storage, alive: () => boolean): Storage {
  const call =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (!alive()) return never()
      return fn(...args).then(
        (v) => (alive() ? v : never()),
        (e: unknown) => (alive() ? Promise.reject(e) : never()),
      )
    }
  return {
    load: call((docId) => storage.load(docId)),
    claimSeqBlock: call((docId) => storage.claimSeqBlock(docId)),
    appendLocal: call((docId, seq, bytes) => storage.appendLocal(docId, seq, bytes)),
    appendRemote: call((docId, bytes, serverSeq) => storage.appendRemote(docId, bytes, serverSeq)),
    ackOutbox: call((docId, after, upTo, serverSeq) => storage.ackOutbox(docId, after, upTo, serverSeq)),
    compact: call((docId, snapshot, upTo) => storage.compact(docId, snapshot, upTo)),
    listDocs: call(() => storage.listDocs()),
    deleteDoc: call((docId) => storage.deleteDoc(docId)),
    close: () => storage.close(),
    // Optional methods stay optional: the client behaves differently without them.
    ...(storage.docsWithOutbox && { docsWithOutbox: call(() => storage.docsWithOutbox!()) }),
    ...(storage.journal && { journal: (docId, seq, bytes, received) => alive() && storage.journal!(docId, seq, bytes, received) }),
    ...(storage.dropJournal && { dropJournal: (docId, seq) => alive() && storage.dropJournal!(docId, seq) }),
    ...(storage.onError && { onError: (listener) => storage.onError!(listener) }),
  }
}
