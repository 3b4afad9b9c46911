import type pg from 'pg'
import type { FindingRecord, FindingsStore } from './findings-store.js'

interface Row {
  kind: string
  check_id: string
  doc: string
  key: string
  message: string
  node: string
  repairable: boolean
  at: string
  resolved_at: string | null
}

const toRecord = (r: Row): FindingRecord => ({
  kind: r.kind as FindingRecord['kind'],
  check: r.check_id,
  doc: r.doc,
  key: r.key,
  message: r.message,
  node: r.node,
  repairable: r.repairable,
  at: Number(r.at),
  resolvedAt: r.resolved_at === null ? undefined : Number(r.resolved_at),
})

/** The `weft_audit_findings` table (migration 2) over a pool; `assertOpen` guards every call. */
export function postgresFindings(pool: pg.Pool, assertOpen: () => void): FindingsStore {
  return {
    async recordFinding(f) {
      assertOpen()
      // Insert, or re-open a resolved one; an open one is left alone (no row returned).
      const { rowCount } = await pool.query(
        `INSERT INTO weft_audit_findings (kind, check_id, doc, key, message, node, repairable, at, resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (doc, kind, check_id, key) DO UPDATE SET message = EXCLUDED.message, node = EXCLUDED.node, repairable = EXCLUDED.repairable,
           at = EXCLUDED.at, resolved_at = EXCLUDED.resolved_at
         WHERE weft_audit_findings.resolved_at IS NOT NULL`,
        [f.kind, f.check, f.doc, f.key, f.message, f.node, f.repairable, f.at, f.resolvedAt ?? null],
      )
      return (rowCount ?? 0) > 0
    },
    async openFindings(doc) {
      assertOpen()
      const { rows } = await pool.query<Row>('SELECT * FROM weft_audit_findings WHERE doc = $1 AND resolved_at IS NULL', [doc])
      return rows.map(toRecord)
    },
    async resolveFinding(f, at) {
      assertOpen()
      const { rowCount } = await pool.query(
        'UPDATE weft_audit_findings SET resolved_at = $1 WHERE doc = $2 AND kind = $3 AND check_id = $4 AND key = $5 AND resolved_at IS NULL',
        [at, f.doc, f.kind, f.check, f.key],
      )
      return (rowCount ?? 0) > 0
    },
    async listFindings({ limit, openOnly }) {
      assertOpen()
      const { rows } = await pool.query<Row>(`SELECT * FROM weft_audit_findings ${openOnly ? 'WHERE resolved_at IS NULL' : ''} ORDER BY at DESC LIMIT $1`, [
        limit,
      ])
      return rows.map(toRecord)
    },
    async pruneFindings({ keepClosed, closedBefore }) {
      assertOpen()
      // Closed rows past the newest `keepClosed` (by at), or closed before a time; the open ones stay.
      const { rowCount } = await pool.query(
        `DELETE FROM weft_audit_findings WHERE resolved_at IS NOT NULL AND (resolved_at < $1 OR (doc, kind, check_id, key) NOT IN (
           SELECT doc, kind, check_id, key FROM weft_audit_findings WHERE resolved_at IS NOT NULL ORDER BY at DESC LIMIT $2))`,
        [closedBefore ?? Number.MIN_SAFE_INTEGER, keepClosed],
      )
      return rowCount ?? 0
    },
  }
}
