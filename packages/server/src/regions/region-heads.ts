import type pg from 'pg'
import { vvFromRecord } from '../store/dot-ranges.js'
import type { Store, VersionVector } from '../store/store.js'

/** One doc's head as regions compare them. */
export interface RegionHead {
  readonly seq: number
  readonly vv: VersionVector
}

/** Every doc's head in this region's store. */
export type HeadsReader = () => Promise<Map<string, RegionHead>>

/**
 * Reads all heads in one statement on PostgreSQL (told apart by shape, so
 * `pg` is not loaded for other stores); elsewhere one `head` per listed doc.
 */
export function headsReader(store: Store): HeadsReader {
  if ('pool' in store) {
    const pool = (store as { pool: pg.Pool }).pool
    return async () => {
      const { rows } = await pool.query<{ doc: string; head_seq: string; vv: Record<string, number> | null }>({
        name: 'weft_region_heads',
        text: `SELECT d.doc, d.head_seq, (SELECT json_object_agg(r.replica, r.counter) FROM weft_doc_replicas r WHERE r.doc = d.doc) AS vv
               FROM weft_docs d WHERE d.head_seq > 0`,
      })
      return new Map(rows.map((r) => [r.doc, { seq: Number(r.head_seq), vv: vvFromRecord(r.vv ?? {}) }]))
    }
  }
  return async () => {
    const out = new Map<string, RegionHead>()
    for (const doc of await store.listDocs()) out.set(doc, await store.head(doc))
    return out
  }
}
