import type { EngineNote, Finding } from './finding.js'

/** What the PostgreSQL checks need: a pool or client. */
export interface PgQueryable {
  query<R>(sql: string, values?: unknown[]): Promise<{ rows: R[] }>
}

/** Thresholds of {@link auditPgReplication}. */
export interface PgReplicationOptions {
  /** A standby further behind than this (replay lag) is a finding (default 10 s). */
  readonly replicaMaxLagMs?: number
  /** A replication slot retaining more WAL than this is a finding (default 1 GiB). */
  readonly slotMaxLagBytes?: number
}

interface StandbyRow {
  name: string
  addr: string | null
  state: string
  sync_state: string
  replay_lag_ms: string | null
  lag_bytes: string | null
}

interface SlotRow {
  slot_name: string
  slot_type: string
  active: boolean
  retained_bytes: string | null
  wal_status: string | null
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`
/** Small amounts of WAL (a few rows) in KiB, so they do not read as nothing. */
const walSize = (n: number) => (n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : mib(n))

/**
 * PostgreSQL's reachability and replication, as its own views tell them
 * ([AUDIT-7]): one round trip timed (`pg-unreachable` when it fails), then
 * `pg_is_in_recovery()`, `pg_stat_replication` (each standby's state and
 * replay lag) and `pg_replication_slots` (an inactive slot, or one that
 * retains too much WAL, fills the primary's disk). A single PostgreSQL with no
 * standbys and no slots is reported as such in a note, with no finding.
 */
export async function auditPgReplication(pool: PgQueryable, o: PgReplicationOptions = {}): Promise<{ findings: Finding[]; notes: EngineNote[] }> {
  const findings: Finding[] = []
  const notes: EngineNote[] = []
  const started = performance.now()
  let version: string
  let inRecovery: boolean
  try {
    const { rows } = await pool.query<{ version: string; in_recovery: boolean }>(
      "SELECT current_setting('server_version') AS version, pg_is_in_recovery() AS in_recovery",
    )
    version = rows[0]?.version ?? '?'
    inRecovery = rows[0]?.in_recovery === true
  } catch (error) {
    findings.push({
      check: 'pg-unreachable',
      doc: undefined,
      message: `PostgreSQL did not answer: ${error instanceof Error ? error.message : String(error)}`,
      unrepairable: 'check that the server is up and reachable from here (pg_isready), then audit again',
    })
    return { findings, notes }
  }
  const rttMs = performance.now() - started
  notes.push({ check: 'pg-unreachable', message: `PostgreSQL ${version} answered in ${rttMs.toFixed(1)} ms` })

  const maxLagMs = o.replicaMaxLagMs ?? 10_000
  if (inRecovery) return auditStandby(pool, maxLagMs, findings, notes)

  const { rows: standbys } = await pool.query<StandbyRow>(
    `SELECT application_name AS name, client_addr::text AS addr, state, sync_state,
            (extract(epoch FROM replay_lag) * 1000)::bigint AS replay_lag_ms,
            pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes
       FROM pg_stat_replication ORDER BY application_name`,
  )
  for (const s of standbys) {
    const lagMs = s.replay_lag_ms === null ? 0 : Number(s.replay_lag_ms)
    const lagBytes = s.lag_bytes === null ? 0 : Number(s.lag_bytes)
    const who = `standby '${s.name}'${s.addr ? ` at ${s.addr}` : ''}`
    if (s.state !== 'streaming' || lagMs > maxLagMs) {
      findings.push({
        check: 'pg-replica-lagging',
        doc: undefined,
        message: `${who} is ${s.state}, ${(lagMs / 1000).toFixed(1)} s and ${mib(lagBytes)} of WAL behind (more than ${maxLagMs / 1000} s or not streaming)`,
        detail: { standby: s.name, addr: s.addr, state: s.state, syncState: s.sync_state, replayLagMs: lagMs, lagBytes },
        unrepairable: 'look at the standby (its log, its disk, the network to it): it catches up by itself once it can stream again',
      })
    }
  }
  const maxSlotBytes = o.slotMaxLagBytes ?? 1024 ** 3
  const { rows: slots } = await pool.query<SlotRow>(
    `SELECT slot_name, slot_type, active, wal_status,
            pg_wal_lsn_diff(pg_current_wal_lsn(), COALESCE(confirmed_flush_lsn, restart_lsn))::bigint AS retained_bytes
       FROM pg_replication_slots ORDER BY slot_name`,
  )
  for (const s of slots) {
    const retained = s.retained_bytes === null ? 0 : Number(s.retained_bytes)
    const detail = { slot: s.slot_name, type: s.slot_type, active: s.active, retainedBytes: retained, walStatus: s.wal_status }
    if (!s.active) {
      findings.push({
        check: 'pg-slot-inactive',
        doc: undefined,
        message: `replication slot '${s.slot_name}' (${s.slot_type}) has no consumer and retains ${mib(retained)} of WAL`,
        detail,
        unrepairable: `bring its standby or consumer back, or drop the slot if it is gone for good: SELECT pg_drop_replication_slot('${s.slot_name}')`,
      })
    } else if (retained > maxSlotBytes) {
      findings.push({
        check: 'pg-slot-lagging',
        doc: undefined,
        message: `replication slot '${s.slot_name}' (${s.slot_type}) retains ${mib(retained)} of WAL (more than ${mib(maxSlotBytes)}): its consumer is behind`,
        detail,
        unrepairable: "look at the slot's consumer: WAL piles up on the primary until it catches up",
      })
    }
  }
  const streaming = standbys.filter((s) => s.state === 'streaming').length
  notes.push({
    check: 'pg-replica-lagging',
    message:
      standbys.length === 0 && slots.length === 0
        ? 'a single PostgreSQL (primary) with no standbys and no replication slots: nothing to replicate'
        : `primary with ${standbys.length} standby(s) connected (${streaming} streaming) and ${slots.length} replication slot(s)`,
  })
  return { findings, notes }
}

interface StandbyStateRow {
  paused: boolean
  receiver: string | null
  behind_bytes: string | null
  ago_ms: string | null
}

/**
 * A standby audited itself (`--store` naming a hot standby, opened read
 * only): it lags when it is not streaming from its primary, or when it holds
 * WAL it has not replayed and either its replay is paused or its last
 * replayed transaction is older than the threshold (too slow). An idle
 * primary sends nothing to replay, so an old last replay alone is no finding.
 */
async function auditStandby(
  pool: PgQueryable,
  maxLagMs: number,
  findings: Finding[],
  notes: EngineNote[],
): Promise<{ findings: Finding[]; notes: EngineNote[] }> {
  const { rows } = await pool.query<StandbyStateRow>(
    `SELECT pg_is_wal_replay_paused() AS paused, (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver,
            pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint AS behind_bytes,
            (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::bigint AS ago_ms`,
  )
  const r = rows[0]
  const paused = r?.paused === true
  const receiver = r?.receiver ?? null
  const behind = r?.behind_bytes === null || r?.behind_bytes === undefined ? 0 : Number(r.behind_bytes)
  const agoMs = r?.ago_ms === null || r?.ago_ms === undefined ? undefined : Number(r.ago_ms)
  const ago = agoMs === undefined ? 'never' : `${(agoMs / 1000).toFixed(1)} s ago`
  const seen = `this PostgreSQL is a standby (in recovery), ${receiver === 'streaming' ? 'streaming from its primary' : `not streaming from a primary (receiver: ${receiver ?? 'none'})`}; ${walSize(behind)} of WAL received and not replayed${paused ? ' (replay paused)' : ''}; last replayed a transaction ${ago}`
  notes.push({ check: 'pg-replica-lagging', message: seen })
  const detail = { standby: 'this standby', receiver, replayPaused: paused, unreplayedBytes: behind, lastReplayAgoMs: agoMs ?? null }
  if (receiver !== 'streaming') {
    findings.push({
      check: 'pg-replica-lagging',
      doc: undefined,
      message: `this standby is not streaming from its primary (receiver: ${receiver ?? 'none'}): what it holds is as old as its last replay (${ago})`,
      detail,
      unrepairable: "look at the standby's log and primary_conninfo, and at the primary and the network to it",
    })
  } else if (behind > 0 && (paused || agoMs === undefined || agoMs > maxLagMs)) {
    // Paused, it never catches up by itself: a finding at once.
    findings.push({
      check: 'pg-replica-lagging',
      doc: undefined,
      message: `this standby has ${walSize(behind)} of WAL received and not replayed${paused ? ' (replay paused)' : ''}; it last replayed a transaction ${ago}${paused ? '' : ` (more than ${maxLagMs / 1000} s)`}`,
      detail,
      unrepairable: paused
        ? 'resume replay on the standby: SELECT pg_wal_replay_resume()'
        : "look at the standby's load and disk: replay is slower than the primary's writes",
    })
  }
  return { findings, notes }
}
