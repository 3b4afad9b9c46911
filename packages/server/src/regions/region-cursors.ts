import type pg from 'pg'
import { createTableIfAbsent } from '../store/pg-create-table.js'
import type { Store } from '../store/store.js'

/**
 * Per peer and doc, the peer's head seq this region has imported up to. Only
 * a shortcut (what to skip after a restart without asking the store): what to
 * import is always decided by version vectors, so a lost or stale cursor
 * costs a comparison, never data.
 */
export interface RegionCursors {
  load(peer: string): Promise<Map<string, number>>
  save(peer: string, doc: string, seq: number): Promise<void>
}

/** Kept in the region's PostgreSQL (`weft_region_cursors`); in memory for other stores (one process, nothing to share). */
export async function openRegionCursors(store: Store): Promise<RegionCursors> {
  if (!('pool' in store)) {
    const mem = new Map<string, Map<string, number>>()
    return {
      load: async (peer) => new Map(mem.get(peer)),
      save: async (peer, doc, seq) => {
        let m = mem.get(peer)
        if (!m) mem.set(peer, (m = new Map()))
        m.set(doc, Math.max(m.get(doc) ?? 0, seq))
      },
    }
  }
  const pool = (store as { pool: pg.Pool }).pool
  // Its own table, created here: the store's schema stays the store's.
  await createTableIfAbsent(
    pool,
    'CREATE TABLE IF NOT EXISTS weft_region_cursors (peer text NOT NULL, doc text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (peer, doc))',
  )
  return {
    async load(peer) {
      const { rows } = await pool.query<{ doc: string; seq: string }>('SELECT doc, seq FROM weft_region_cursors WHERE peer = $1', [peer])
      return new Map(rows.map((r) => [r.doc, Number(r.seq)]))
    },
    async save(peer, doc, seq) {
      await pool.query(
        `INSERT INTO weft_region_cursors (peer, doc, seq) VALUES ($1, $2, $3)
         ON CONFLICT (peer, doc) DO UPDATE SET seq = GREATEST(weft_region_cursors.seq, EXCLUDED.seq)`,
        [peer, doc, seq],
      )
    },
  }
}
