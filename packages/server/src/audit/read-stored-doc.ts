import type { Store } from '../store/store.js'
import type { StoredDoc } from './audit-doc.js'

/**
 * Reads a doc's head, snapshot and whole log through the Store interface at
 * one consistent point: head and snapshot are read before and after the log,
 * and the read is retried when either moved (an append or a compaction ran
 * meanwhile). Undefined when the doc kept moving for `attempts` reads.
 */
export async function readStoredDoc(store: Store, doc: string, attempts = 5): Promise<StoredDoc | undefined> {
  for (let i = 0; i < attempts; i++) {
    const snapshotBefore = await store.readSnapshot(doc)
    const headBefore = await store.head(doc)
    const log = await store.readAfterSeq(doc, 0)
    const headAfter = await store.head(doc)
    const snapshotAfter = await store.readSnapshot(doc)
    if (headBefore.seq === headAfter.seq && snapshotBefore?.seq === snapshotAfter?.seq && sameBytes(snapshotBefore?.bytes, snapshotAfter?.bytes)) {
      return { doc, head: headAfter, snapshot: snapshotAfter, log }
    }
    await new Promise((r) => setTimeout(r, 5 * (i + 1)))
  }
  return undefined
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
