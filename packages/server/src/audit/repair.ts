import Database from 'better-sqlite3'
import type pg from 'pg'
import { rangesToJson } from '../store/dot-ranges.js'
import type { DotRange, Store, VersionVector } from '../store/store.js'
import { type DocAudit, auditDoc } from './audit-doc.js'
import type { Finding, RepairAction } from './finding.js'
import { readStoredDoc } from './read-stored-doc.js'

/**
 * Writes a repair needs that the Store interface (rightly) does not offer:
 * they go behind the protocol's back, like the corruption they undo.
 */
export interface RepairBackend {
  setHead(doc: string, seq: number, vv: VersionVector): Promise<void>
  setRanges(doc: string, seq: number, ranges: readonly DotRange[]): Promise<void>
  deleteDelta(doc: string, seq: number): Promise<void>
  close(): Promise<void>
}

/** What `--repair` did about one finding. */
export interface RepairOutcome {
  readonly doc: string
  readonly check: Finding['check']
  readonly action: RepairAction['kind'] | 'none'
  readonly ok: boolean
  /** What was done, or why nothing could be. */
  readonly note: string
}

/** Repairs through a second connection to the SQLite file (WAL: alongside the store's own). */
export function sqliteRepairBackend(path: string): RepairBackend {
  const db = new Database(path)
  db.pragma('busy_timeout = 5000')
  const setSeq = db.prepare<[number, string]>('UPDATE docs SET head_seq = ? WHERE doc = ?')
  const clearVv = db.prepare<[string]>('DELETE FROM doc_replicas WHERE doc = ?')
  const setCounter = db.prepare<[string, number, number]>('INSERT INTO doc_replicas (doc, replica, counter) VALUES (?, ?, ?)')
  // The head's vector is one row per replica ([LIM-REPLICAS-1]): a repair replaces them all.
  const setHead = db.transaction((doc: string, seq: number, vv: VersionVector) => {
    setSeq.run(seq, doc)
    clearVv.run(doc)
    for (const [replica, counter] of Object.entries(vv)) setCounter.run(doc, Number(replica), counter)
  })
  const setRanges = db.prepare<[string, string, number]>('UPDATE deltas SET ranges = ? WHERE doc = ? AND seq = ?')
  const del = db.prepare<[string, number]>('DELETE FROM deltas WHERE doc = ? AND seq = ?')
  return {
    setHead: async (doc, seq, vv) => void setHead.immediate(doc, seq, vv),
    setRanges: async (doc, seq, ranges) => void setRanges.run(rangesToJson(ranges), doc, seq),
    deleteDelta: async (doc, seq) => void del.run(doc, seq),
    close: async () => void db.close(),
  }
}

/** Repairs on the PostgreSQL store's own pool; each under the doc's row lock, like appends. */
export function postgresRepairBackend(pool: pg.Pool): RepairBackend {
  return {
    setHead: async (doc, seq, vv) => {
      // The head's vector is one row per replica ([LIM-REPLICAS-1]): a repair replaces them all, with the head.
      const replicas = Object.keys(vv)
      const c = await pool.connect()
      try {
        await c.query('BEGIN')
        await c.query('UPDATE weft_docs SET head_seq = $2 WHERE doc = $1', [doc, seq])
        await c.query('DELETE FROM weft_doc_replicas WHERE doc = $1', [doc])
        await c.query('INSERT INTO weft_doc_replicas (doc, replica, counter) SELECT $1, r, c FROM unnest($2::int8[], $3::int8[]) AS u(r, c)', [
          doc,
          replicas,
          replicas.map((r) => vv[Number(r)]),
        ])
        await c.query('COMMIT')
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined) // the connection is released either way; the first error is the one to report
        throw error
      } finally {
        c.release()
      }
    },
    setRanges: async (doc, seq, ranges) =>
      void (await pool.query('UPDATE weft_deltas SET ranges = $3 WHERE doc = $1 AND seq = $2', [doc, seq, rangesToJson(ranges)])),
    deleteDelta: async (doc, seq) => void (await pool.query('DELETE FROM weft_deltas WHERE doc = $1 AND seq = $2', [doc, seq])),
    close: async () => {},
  }
}

/** The order repairs run in: the log first, then the snapshot built from it, then the head that sums both. */
const ORDER: Record<RepairAction['kind'], number> = { 'set-ranges': 0, 'delete-delta': 1, 'rewrite-snapshot': 2, 'set-head': 3 }

/**
 * Repairs what one doc's audit found, in rounds (each repair may reveal the
 * next: a rebuilt snapshot changes the head it sums), re-auditing the doc
 * after each, and says for every finding what was done or why not.
 */
export async function repairDoc(store: Store, backend: RepairBackend, audit: DocAudit): Promise<{ outcomes: RepairOutcome[]; after: DocAudit }> {
  const outcomes: RepairOutcome[] = []
  let current = audit
  for (let round = 0; round < 3; round++) {
    const fixable = current.findings.filter((f) => f.repair).sort((a, b) => ORDER[a.repair?.kind ?? 'set-head'] - ORDER[b.repair?.kind ?? 'set-head'])
    if (fixable.length === 0) break
    // One action of the first kind due: later kinds are recomputed from the repaired doc.
    const kind = fixable[0]?.repair?.kind
    for (const f of fixable.filter((x) => x.repair?.kind === kind)) outcomes.push(await apply(store, backend, f))
    const stored = await readStoredDoc(store, audit.doc)
    if (!stored) break
    current = auditDoc(stored)
  }
  for (const f of current.findings) {
    if (f.repair) outcomes.push({ doc: audit.doc, check: f.check, action: f.repair.kind, ok: false, note: `still there after repair: ${f.message}` })
    else outcomes.push({ doc: audit.doc, check: f.check, action: 'none', ok: false, note: `not repairable here: ${f.unrepairable ?? 'no repair known'}` })
  }
  return { outcomes, after: current }
}

async function apply(store: Store, backend: RepairBackend, f: Finding): Promise<RepairOutcome> {
  const doc = f.doc as string
  const a = f.repair as RepairAction
  try {
    switch (a.kind) {
      case 'set-head':
        await backend.setHead(doc, a.seq, a.vv)
        return { doc, check: f.check, action: a.kind, ok: true, note: `head set to seq ${a.seq}, vv from snapshot and log` }
      case 'set-ranges':
        await backend.setRanges(doc, a.seq, a.ranges)
        return { doc, check: f.check, action: a.kind, ok: true, note: `seq ${a.seq}: ranges rewritten from the delta's own dots` }
      case 'delete-delta':
        await backend.deleteDelta(doc, a.seq)
        return { doc, check: f.check, action: a.kind, ok: true, note: `seq ${a.seq} removed: the snapshot already holds its dots` }
      case 'rewrite-snapshot':
        await store.writeSnapshot(doc, { seq: a.seq, bytes: a.bytes, vv: a.vv })
        return { doc, check: f.check, action: a.kind, ok: true, note: `snapshot at seq ${a.seq} rebuilt from the log (seq 1-${a.seq})` }
    }
  } catch (error) {
    return { doc, check: f.check, action: a.kind, ok: false, note: `repair failed: ${error instanceof Error ? error.message : String(error)}` }
  }
}
