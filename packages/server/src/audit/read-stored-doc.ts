import type { Store } from '../store/store.js'
import type { StoredDoc } from './audit-doc.js'

/**
 * Reads a doc's head, snapshot and whole log through the Store interface at
 * one consistent point. `load` is one consistent read (one statement on
 * PostgreSQL); a compacted doc also needs the tail kept below its snapshot,
 * read after it and accepted only if the snapshot did not move meanwhile
 * (else the read is retried). Undefined when the doc kept moving for
 * `attempts` reads.
 */
export async function readStoredDoc(store: Store, doc: string, attempts = 5): Promise<StoredDoc | undefined> {
  for (let i = 0; i < attempts; i++) {
    const loaded = await store.load(doc)
    const snapshot = loaded.snapshot
    if (!snapshot) return { doc, head: loaded.head, snapshot: undefined, log: loaded.deltas }
    const all = await store.readAfterSeq(doc, 0)
    const again = await store.readSnapshot(doc)
    if (again?.seq === snapshot.seq && sameBytes(again.bytes, snapshot.bytes)) {
      return { doc, head: loaded.head, snapshot, log: [...all.filter((d) => d.seq <= snapshot.seq), ...loaded.deltas] }
    }
    await new Promise((r) => setTimeout(r, 5 * (i + 1)))
  }
  return undefined
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
