import type { Store } from '../store/store.js'
import type { EngineNote, Finding } from './finding.js'
import { type PgQueryable, type PgReplicationOptions, auditPgReplication } from './pg-engine-checks.js'

/** Options of {@link auditEngine}. */
export interface EngineCheckOptions extends PgReplicationOptions {
  /** A prepared (2PC) transaction older than this is a finding (default 60 s). */
  readonly preparedMaxAgeMs?: number
}

/** The engine's findings, and what each check that ran saw. */
export interface EngineAudit {
  readonly findings: Finding[]
  readonly notes: EngineNote[]
}

/**
 * Checks of the engine under the store, whichever it has: SQLite's
 * `integrity_check`; PostgreSQL's prepared transactions (2PC, used by shard
 * moves) left behind longer than the threshold, which hold locks and block
 * VACUUM until someone commits or rolls them back; PostgreSQL's reachability
 * and replication ({@link auditPgReplication}).
 */
export async function auditEngine(store: Store, options: EngineCheckOptions = {}): Promise<EngineAudit> {
  const findings: Finding[] = []
  const notes: EngineNote[] = []
  const integrity = (store as { integrityCheck?: () => Promise<string> }).integrityCheck
  if (typeof integrity === 'function') {
    const result = await integrity.call(store)
    if (result !== 'ok') {
      findings.push({
        check: 'sqlite-integrity',
        doc: undefined,
        message: `PRAGMA integrity_check: ${result.split('\n').slice(0, 3).join('; ')}`,
        detail: { result },
        unrepairable: 'restore the file from a backup, or dump and reload it (sqlite3 weft.db .recover)',
      })
    }
  }
  const pool = (store as { pool?: PgQueryable }).pool
  if (pool && typeof pool.query === 'function') {
    const replication = await auditPgReplication(pool, options)
    findings.push(...replication.findings)
    notes.push(...replication.notes)
    // Unreachable: the queries below would only fail the same way.
    if (replication.findings.some((f) => f.check === 'pg-unreachable')) return { findings, notes }
    const maxAgeMs = options.preparedMaxAgeMs ?? 60_000
    const { rows } = await pool.query<{ gid: string; owner: string; age_ms: string; prepared: Date }>(
      `SELECT gid, owner, prepared, (extract(epoch FROM now() - prepared) * 1000)::bigint AS age_ms
         FROM pg_prepared_xacts WHERE database = current_database() AND prepared < now() - $1 * interval '1 millisecond' ORDER BY prepared`,
      [maxAgeMs],
    )
    for (const r of rows) {
      const ageS = Math.round(Number(r.age_ms) / 1000)
      findings.push({
        check: 'pg-prepared-xact-old',
        doc: undefined,
        message: `prepared transaction '${r.gid}' (owner ${r.owner}) has waited ${ageS} s for COMMIT/ROLLBACK PREPARED`,
        detail: { gid: r.gid, owner: r.owner, ageMs: Number(r.age_ms), prepared: r.prepared.toISOString() },
        unrepairable: `decide it by the coordinator's record: COMMIT PREPARED '${r.gid}' if it decided commit, else ROLLBACK PREPARED '${r.gid}'`,
      })
    }
  }
  return { findings, notes }
}
