import type Database from 'better-sqlite3'
import type { FindingInput, FindingRecord, FindingsRetention, FindingsStore } from './findings-store.js'

interface Row {
  kind: string
  check_id: string
  doc: string
  key: string
  message: string
  node: string
  repairable: number
  at: number
  resolved_at: number | null
}

const toRecord = (r: Row): FindingRecord => ({
  kind: r.kind as FindingRecord['kind'],
  check: r.check_id,
  doc: r.doc,
  key: r.key,
  message: r.message,
  node: r.node,
  repairable: r.repairable === 1,
  at: r.at,
  resolvedAt: r.resolved_at ?? undefined,
})

/** The `audit_findings` table of a SQLite store (migration 3), on whichever connection is given. */
export function sqliteFindings(db: Database.Database): FindingsStore {
  // Insert, or re-open a resolved one; an open one is left alone (changes = 0).
  const record = db.prepare<[string, string, string, string, string, string, number, number, number | null]>(
    `INSERT INTO audit_findings (kind, check_id, doc, key, message, node, repairable, at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (doc, kind, check_id, key) DO UPDATE SET message = excluded.message, node = excluded.node, repairable = excluded.repairable,
       at = excluded.at, resolved_at = excluded.resolved_at
     WHERE audit_findings.resolved_at IS NOT NULL`,
  )
  const open = db.prepare<[string], Row>('SELECT * FROM audit_findings WHERE doc = ? AND resolved_at IS NULL')
  const resolve = db.prepare<[number, string, string, string, string]>(
    'UPDATE audit_findings SET resolved_at = ? WHERE doc = ? AND kind = ? AND check_id = ? AND key = ? AND resolved_at IS NULL',
  )
  const list = db.prepare<[number], Row>('SELECT * FROM audit_findings ORDER BY at DESC LIMIT ?')
  const listOpen = db.prepare<[number], Row>('SELECT * FROM audit_findings WHERE resolved_at IS NULL ORDER BY at DESC LIMIT ?')
  // Closed rows past the newest `keep` (by at), or closed before a time; the open ones stay.
  const prune = db.prepare<[number, number]>(
    `DELETE FROM audit_findings WHERE resolved_at IS NOT NULL AND (resolved_at < ? OR (doc, kind, check_id, key) NOT IN (
       SELECT doc, kind, check_id, key FROM audit_findings WHERE resolved_at IS NOT NULL ORDER BY at DESC LIMIT ?))`,
  )
  return {
    recordFinding: async (f: FindingInput) =>
      record.run(f.kind, f.check, f.doc, f.key, f.message, f.node, f.repairable ? 1 : 0, f.at, f.resolvedAt ?? null).changes > 0,
    openFindings: async (doc) => open.all(doc).map(toRecord),
    resolveFinding: async (f, at) => resolve.run(at, f.doc, f.kind, f.check, f.key).changes > 0,
    listFindings: async ({ limit, openOnly }) => (openOnly ? listOpen : list).all(limit).map(toRecord),
    pruneFindings: async ({ keepClosed, closedBefore }: FindingsRetention) => prune.run(closedBefore ?? Number.MIN_SAFE_INTEGER, keepClosed).changes,
  }
}
