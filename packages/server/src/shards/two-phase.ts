/**
 * Two-phase commit over PostgreSQL databases (PREPARE TRANSACTION / COMMIT
 * PREPARED), with the coordinator's log in the catalog database ([2PC-1]):
 *
 * 1. each participant's work runs in its own transaction, in the order given
 *    (callers take row locks in one global order);
 * 2. a log row (state `preparing`, participants in commit order) commits,
 *    then every participant PREPAREs: every prepared transaction has a row;
 * 3. the decision is the log row's conditional update `preparing -> commit`;
 *    it commits before any COMMIT PREPARED. Recovery aborts a transaction the
 *    same way (`preparing -> abort`, only after it has been silent for a
 *    while), so exactly one of the two wins;
 * 4. COMMIT PREPARED on every participant, in commit order, then the kind's
 *    finisher (e.g. a move's map switch), then the row is marked done.
 *
 * A crash anywhere leaves either no decision (recovery aborts: ROLLBACK
 * PREPARED) or a commit decision (recovery commits what is still prepared,
 * in commit order, and runs the finisher). The global transaction id is the
 * log's `txid`; each participant's gid is `weft2pc:<txid>:<participant>`,
 * unique even when two participants are databases of one cluster.
 */
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { TwoPhaseAbortedError, TwoPhaseInDoubtError } from './shard-errors.js'

/** Where a transaction is; the coordinator reports each step to {@link TwoPhaseOptions.onStep} (fault injection in tests). */
export type TwoPhaseStep =
  /** The log row is written; every participant's work is done; nothing is prepared yet. */
  | 'before-prepare'
  /** Every participant prepared; no decision yet. */
  | 'prepared'
  /** The commit decision is durable; nothing committed yet. */
  | 'decided'
  /** The first participant committed; the others not yet. */
  | 'committing'

/** One participant's share of a transaction: the statements it runs before PREPARE. */
export interface TwoPhaseWork {
  readonly participant: string
  /** Runs inside the participant's open transaction; throwing aborts the whole transaction. */
  readonly run: (client: pg.PoolClient, txid: string) => Promise<void>
}

export interface TwoPhaseTransaction {
  /** Names what the finisher does (e.g. `shard-move`); `plain` has none. */
  readonly kind?: string
  /** Stored in the log for the finisher (and for people reading the log). */
  readonly payload?: Readonly<Record<string, unknown>>
  /** Run in this order (take locks in one global order across callers, so transactions never deadlock across databases). */
  readonly work: readonly TwoPhaseWork[]
  /** COMMIT PREPARED order (default: the order of `work`). */
  readonly commitOrder?: readonly string[]
}

/** After a commit: what a transaction of this kind still has to do outside the participants (idempotent: recovery may run it again). */
export type TwoPhaseFinisher = (payload: Readonly<Record<string, unknown>>) => Promise<void>

export interface TwoPhaseOptions {
  /** The catalog database holding `weft_2pc_log` (see ShardCatalog). */
  readonly log: pg.Pool
  /** participant name -> a pool on its database. */
  readonly participants: ReadonlyMap<string, pg.Pool>
  /** kind -> finisher. */
  readonly finishers?: Readonly<Record<string, TwoPhaseFinisher>>
  /** Awaited at each step, for fault injection in tests. */
  readonly onStep?: (step: TwoPhaseStep, txid: string) => Promise<void> | void
}

/** `weft2pc:<txid>:<participant>` */
export function gidOf(txid: string, participant: string): string {
  return `weft2pc:${txid}:${participant}`
}

/** Inverse of {@link gidOf}; undefined for gids that are not Weft's. */
export function parseGid(gid: string): { txid: string; participant: string } | undefined {
  const m = /^weft2pc:([^:]+):(.+)$/.exec(gid)
  return m ? { txid: m[1] as string, participant: m[2] as string } : undefined
}

/** SQLSTATE 42704: COMMIT/ROLLBACK PREPARED of a gid that is not prepared (any more). */
const NOT_PREPARED = '42704'

/**
 * Runs two-phase transactions. One coordinator may run many at once.
 *
 * @example
 * ```ts
 * const tpc = new TwoPhaseCoordinator({ log: catalog.pool, participants: new Map([['a', poolA], ['b', poolB]]) })
 * await tpc.run({ work: [
 *   { participant: 'a', run: (c) => c.query('UPDATE accounts SET balance = balance - 5 WHERE id = $1', ['x']).then(() => {}) },
 *   { participant: 'b', run: (c) => c.query('UPDATE accounts SET balance = balance + 5 WHERE id = $1', ['y']).then(() => {}) },
 * ] })
 * ```
 */
export class TwoPhaseCoordinator {
  constructor(private readonly options: TwoPhaseOptions) {}

  /** Resolves with the txid once committed everywhere; TwoPhaseAbortedError when it was rolled back; TwoPhaseInDoubtError when the log decides it later. */
  async run(tx: TwoPhaseTransaction): Promise<string> {
    const txid = randomBytes(8).toString('hex')
    const names = tx.work.map((w) => w.participant)
    if (new Set(names).size !== names.length) throw new RangeError(`a participant appears twice in one transaction: ${names.join(', ')}`)
    const commitOrder = tx.commitOrder ?? names
    if (commitOrder.length !== names.length || commitOrder.some((n) => !names.includes(n))) {
      throw new RangeError(`commitOrder (${commitOrder.join(', ')}) must name each participant (${names.join(', ')}) once`)
    }
    const pools = names.map((n) => this.pool(n))
    const open: { name: string; client: pg.PoolClient; prepared: boolean }[] = []
    let logged = false
    try {
      for (const [i, work] of tx.work.entries()) {
        const client = await (pools[i] as pg.Pool).connect()
        // A checked-out client whose server dies emits 'error'; without a listener that would crash the process.
        client.on('error', ignore)
        open.push({ name: work.participant, client, prepared: false })
        await client.query('BEGIN')
        await work.run(client, txid)
      }
      // Logged after the work (its lock waits do not count against recovery's patience), before any PREPARE.
      await this.options.log.query('INSERT INTO weft_2pc_log (txid, state, participants, kind, payload) VALUES ($1, $2, $3, $4, $5)', [
        txid,
        'preparing',
        commitOrder,
        tx.kind ?? 'plain',
        JSON.stringify(tx.payload ?? {}),
      ])
      logged = true
      await this.step('before-prepare', txid)
      for (const p of open) {
        await p.client.query(`PREPARE TRANSACTION '${gidOf(txid, p.name)}'`)
        p.prepared = true
      }
      await this.step('prepared', txid)
    } catch (error) {
      await this.abort(txid, open, logged)
      throw new TwoPhaseAbortedError(txid, error instanceof Error ? error.message : String(error))
    }

    let decided: boolean
    try {
      const { rowCount } = await this.options.log.query(
        "UPDATE weft_2pc_log SET state = 'commit', decided_at = now() WHERE txid = $1 AND state = 'preparing'",
        [txid],
      )
      decided = rowCount === 1
    } catch (error) {
      release(open, error)
      throw new TwoPhaseInDoubtError(txid, error)
    }
    if (!decided) {
      // Recovery decided first: it aborted this transaction while we were slow.
      await this.abort(txid, open, true)
      throw new TwoPhaseAbortedError(txid, 'recovery aborted it before the coordinator decided')
    }

    try {
      await this.step('decided', txid)
      for (const [i, name] of commitOrder.entries()) {
        const p = open.find((o) => o.name === name) as (typeof open)[number]
        await commitPrepared(p.client, gidOf(txid, name))
        if (i === 0 && commitOrder.length > 1) await this.step('committing', txid)
      }
      await this.finish(tx.kind ?? 'plain', tx.payload ?? {})
      await this.options.log.query('UPDATE weft_2pc_log SET done = true WHERE txid = $1', [txid])
    } catch (error) {
      release(open, error)
      throw new TwoPhaseInDoubtError(txid, error)
    }
    release(open)
    return txid
  }

  private async abort(txid: string, open: { name: string; client: pg.PoolClient; prepared: boolean }[], logged: boolean): Promise<void> {
    // Best effort: whatever fails here stays prepared and recovery rolls it back (the log says abort, or will).
    let clean = !logged
    if (logged)
      try {
        const { rows } = await this.options.log.query<{ state: string }>(
          "UPDATE weft_2pc_log SET state = CASE WHEN state = 'preparing' THEN 'abort' ELSE state END, decided_at = COALESCE(decided_at, now()) WHERE txid = $1 RETURNING state",
          [txid],
        )
        if (rows[0]?.state !== 'abort') {
          // Cannot happen (only this coordinator decides commit); never roll back a committed decision.
          release(open, new Error('unexpected state'))
          return
        }
        clean = true
      } catch {}
    let broken = false
    for (const p of open) {
      try {
        if (p.prepared) await rollbackPrepared(p.client, gidOf(txid, p.name))
        else await p.client.query('ROLLBACK')
      } catch {
        broken = true
      }
    }
    release(open, broken ? new Error('rollback failed') : undefined)
    if (logged && clean && !broken) await this.options.log.query('UPDATE weft_2pc_log SET done = true WHERE txid = $1', [txid]).catch(() => {})
  }

  private async finish(kind: string, payload: Readonly<Record<string, unknown>>): Promise<void> {
    if (kind === 'plain') return
    const finisher = this.options.finishers?.[kind]
    if (!finisher) throw new Error(`no finisher for two-phase kind "${kind}"`)
    await finisher(payload)
  }

  private async step(step: TwoPhaseStep, txid: string): Promise<void> {
    await this.options.onStep?.(step, txid)
  }

  private pool(name: string): pg.Pool {
    const pool = this.options.participants.get(name)
    if (!pool) throw new RangeError(`unknown two-phase participant "${name}"`)
    return pool
  }
}

function ignore(): void {}

function release(open: { client: pg.PoolClient }[], error?: unknown): void {
  for (const p of open) {
    try {
      p.client.off('error', ignore)
      // A connection that saw an error may be dead or mid-transaction: the pool drops it.
      p.client.release(error === undefined ? undefined : error instanceof Error ? error : new Error(String(error)))
    } catch {}
  }
  open.length = 0
}

/** COMMIT PREPARED; a gid no longer prepared was committed by someone else (recovery), which is fine after a commit decision. */
async function commitPrepared(client: pg.ClientBase | pg.Pool, gid: string): Promise<void> {
  try {
    await client.query(`COMMIT PREPARED '${gid}'`)
  } catch (error) {
    if ((error as { code?: string }).code !== NOT_PREPARED) throw error
  }
}

async function rollbackPrepared(client: pg.ClientBase | pg.Pool, gid: string): Promise<void> {
  try {
    await client.query(`ROLLBACK PREPARED '${gid}'`)
  } catch (error) {
    if ((error as { code?: string }).code !== NOT_PREPARED) throw error
  }
}

/** A prepared transaction as the audit reports it. */
export interface PreparedTransaction {
  readonly participant: string
  readonly gid: string
  /** The Weft txid, when the gid is Weft's. */
  readonly txid: string | undefined
  readonly preparedAt: Date
  readonly ageMs: number
}

/**
 * Prepared transactions of the participants' databases older than
 * `olderThanMs` (by each database's clock). After recovery there should be
 * none: one that stays is a lock held on a shard (its rows can't be written)
 * that recovery could not resolve. For `weft audit`.
 *
 * @example
 * ```ts
 * const stuck = await listPreparedOlderThan(new Map([['a', poolA]]), 60_000)
 * ```
 */
export async function listPreparedOlderThan(participants: ReadonlyMap<string, pg.Pool>, olderThanMs: number): Promise<PreparedTransaction[]> {
  const out: PreparedTransaction[] = []
  for (const [participant, pool] of participants) {
    const { rows } = await pool.query<{ gid: string; prepared: Date; age_ms: string }>(
      `SELECT gid, prepared, (extract(epoch FROM now() - prepared) * 1000)::bigint AS age_ms FROM pg_prepared_xacts
       WHERE database = current_database() AND prepared <= now() - $1 * interval '1 millisecond' ORDER BY prepared`,
      [olderThanMs],
    )
    for (const r of rows) out.push({ participant, gid: r.gid, txid: parseGid(r.gid)?.txid, preparedAt: r.prepared, ageMs: Number(r.age_ms) })
  }
  return out
}

export interface TwoPhaseRecoveryOptions extends Omit<TwoPhaseOptions, 'onStep'> {
  /** A `preparing` transaction silent this long is presumed dead and aborted (default 10 s; longer than any prepare phase). */
  readonly abortAfterMs?: number
}

interface LogRow {
  txid: string
  state: string
  participants: string[]
  kind: string
  payload: Record<string, unknown>
}

/** What one recovery pass did. */
export interface RecoveryReport {
  readonly committed: number
  readonly rolledBack: number
  /** Transactions left for a later pass (a participant unreachable, or too young to abort). */
  readonly pending: number
}

/**
 * Resolves in-doubt two-phase transactions from the coordinator log: run it
 * after any crash (at start and on an interval). Safe to run beside live
 * coordinators and other recoveries: every decision is a conditional update
 * of the log row, and COMMIT/ROLLBACK PREPARED of an already resolved gid is
 * a no-op.
 */
export class TwoPhaseRecovery {
  constructor(private readonly options: TwoPhaseRecoveryOptions) {}

  async runOnce(): Promise<RecoveryReport> {
    const abortAfterMs = this.options.abortAfterMs ?? 10_000
    const tally = { committed: 0, rolledBack: 0, pending: 0 }
    const log = this.options.log
    // Presumed dead: preparing for too long. The conditional update races the coordinator's decision; one wins.
    await log.query(
      "UPDATE weft_2pc_log SET state = 'abort', decided_at = now() WHERE NOT done AND state = 'preparing' AND started_at < now() - $1 * interval '1 millisecond'",
      [abortAfterMs],
    )
    // The log is read before the participants: a transaction decided by now had prepared everywhere before, so a gid
    // of it not seen prepared below was committed (or rolled back) already.
    const { rows } = await log.query<LogRow>('SELECT txid, state, participants, kind, payload FROM weft_2pc_log WHERE NOT done')
    const prepared = new Map<string, Set<string>>()
    const reachable = new Set<string>()
    for (const [name, pool] of this.options.participants) {
      try {
        const found = await pool.query<{ gid: string }>("SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE 'weft2pc:%'")
        reachable.add(name)
        for (const r of found.rows) {
          const parsed = parseGid(r.gid)
          if (parsed?.participant !== name) continue
          const names = prepared.get(parsed.txid) ?? new Set<string>()
          names.add(name)
          prepared.set(parsed.txid, names)
        }
      } catch {}
    }
    // Prepared but not among the open rows: a row marked done too early, or one written after the read above.
    const unknown = [...prepared.keys()].filter((t) => !rows.some((r) => r.txid === t))
    if (unknown.length > 0)
      rows.push(...(await log.query<LogRow>('SELECT txid, state, participants, kind, payload FROM weft_2pc_log WHERE txid = ANY($1::text[])', [unknown])).rows)
    for (const row of rows) {
      if (row.state === 'preparing') {
        tally.pending++
        continue
      }
      const commit = row.state === 'commit'
      let complete = true
      for (const name of row.participants) {
        const pool = this.options.participants.get(name)
        if (!pool || !reachable.has(name)) {
          complete = false
          // Commit order matters to readers (a move commits the new copy before the old one's fence): stop here.
          if (commit) break
          continue
        }
        if (!prepared.get(row.txid)?.has(name)) continue
        try {
          if (commit) await commitPrepared(pool, gidOf(row.txid, name))
          else await rollbackPrepared(pool, gidOf(row.txid, name))
          if (commit) tally.committed++
          else tally.rolledBack++
        } catch {
          complete = false
          if (commit) break
        }
      }
      if (!complete) {
        tally.pending++
        continue
      }
      try {
        if (commit && row.kind !== 'plain') {
          const finisher = this.options.finishers?.[row.kind]
          if (!finisher) throw new Error(`no finisher for two-phase kind "${row.kind}"`)
          await finisher(row.payload)
        }
        await log.query('UPDATE weft_2pc_log SET done = true WHERE txid = $1', [row.txid])
      } catch {
        tally.pending++
      }
    }
    // Prepared with no log row even now: no coordinator made it (the row commits before any PREPARE); roll it back.
    for (const [txid, names] of prepared) {
      if (rows.some((r) => r.txid === txid)) continue
      for (const name of names) {
        try {
          await rollbackPrepared(this.options.participants.get(name) as pg.Pool, gidOf(txid, name))
          tally.rolledBack++
        } catch {
          tally.pending++
        }
      }
    }
    return tally
  }

  /** Runs {@link runOnce} every `intervalMs` until the returned function is called. */
  start(intervalMs: number, onError?: (error: unknown) => void): () => Promise<void> {
    let stopped = false
    let running: Promise<unknown> = Promise.resolve()
    const timer = setInterval(() => {
      running = running.then(() => (stopped ? undefined : this.runOnce().catch((e: unknown) => onError?.(e))))
    }, intervalMs)
    return async () => {
      stopped = true
      clearInterval(timer)
      await running
    }
  }
}
