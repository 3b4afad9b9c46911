import { OUTBOX_SEQ_BLOCK } from './types.js'

/** Rows as storage formats 1 and 2 wrote them. */
interface MetaV2 {
  readonly lastClientSeq?: number
  readonly ackedClientSeq?: number
  readonly [field: string]: unknown
}
interface OutboxRowV2 {
  readonly docId: string
  readonly clientSeq: number
  readonly bytes: Uint8Array
}
interface JournalRowV2 {
  readonly docId: string
  readonly key: string
  readonly bytes: Uint8Array
}

/**
 * Storage format 1/2 -> 3, inside the versionchange transaction `t`: outbox
 * rows keep their storage-allocated numbers as seqs (block 0, which no
 * session claims), journal rows get the next numbers after them, and meta
 * trades `lastClientSeq` / `ackedClientSeq` for `seqBlocks`.
 */
export function upgradeOutboxTo3(raw: IDBDatabase, t: IDBTransaction): void {
  const metaStore = t.objectStore('meta')
  const metaKeys = metaStore.getAllKeys()
  const metas = metaStore.getAll()
  const outbox = t.objectStore('outbox').getAll()
  const hadJournal = raw.objectStoreNames.contains('journal')
  const journal = hadJournal ? t.objectStore('journal').getAll() : undefined
  // Requests of one transaction complete in order: when the last is done, all are.
  const last = journal ?? outbox
  last.onsuccess = () => {
    const nextSeq = new Map<string, number>()
    ;(metas.result as MetaV2[]).forEach((m, i) => {
      const docId = String(metaKeys.result[i])
      const { lastClientSeq = 0, ackedClientSeq: _acked, ...rest } = m
      nextSeq.set(docId, lastClientSeq)
      metaStore.put({ ...rest, seqBlocks: Math.floor(lastClientSeq / OUTBOX_SEQ_BLOCK) }, docId)
    })
    raw.deleteObjectStore('outbox')
    const outboxV3 = raw.createObjectStore('outbox', { keyPath: ['docId', 'seq'] })
    for (const r of outbox.result as OutboxRowV2[]) outboxV3.put({ docId: r.docId, seq: r.clientSeq, bytes: r.bytes })
    if (hadJournal) raw.deleteObjectStore('journal')
    const journalV3 = raw.createObjectStore('journal', { keyPath: ['docId', 'seq'] })
    for (const r of (journal?.result ?? []) as JournalRowV2[]) {
      const seq = (nextSeq.get(r.docId) ?? 0) + 1
      nextSeq.set(r.docId, seq)
      journalV3.put({ docId: r.docId, seq, bytes: r.bytes })
    }
  }
}
