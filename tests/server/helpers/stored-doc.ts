import { Doc } from '@weft/crdt-core'
import { SqliteStore } from '@weft/server'

/** Doc `docId` as the SQLite file at `path` holds it (snapshot, then log), and the file's integrity check. */
export async function storedDoc(path: string, docId: string): Promise<{ doc: Doc; integrity: string }> {
  const store = new SqliteStore({ path })
  try {
    const { snapshot, deltas } = await store.load(docId)
    const doc = snapshot ? Doc.load(snapshot.bytes) : new Doc()
    for (const d of deltas) doc.applyDelta(d.bytes)
    return { doc, integrity: await store.integrityCheck() }
  } finally {
    await store.close()
  }
}
