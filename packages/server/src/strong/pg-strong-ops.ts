/**
 * StrongOps on PostgreSQL (one region): every operation is one conditional
 * upsert (`INSERT ... ON CONFLICT DO UPDATE SET x = CASE ...`), which
 * PostgreSQL runs atomically on the newest committed row under its row lock,
 * so each op is linearizable at that lock (or, for a read or a release of a
 * name never claimed, at its statement's snapshot) in one round trip. The
 * `applied` column carries whether the last op on a row took effect, because
 * PostgreSQL 15's RETURNING cannot see the row's old values.
 *
 * Under READ COMMITTED these statements cannot fail to serialize; a database
 * whose default isolation is SERIALIZABLE can (SQLSTATE 40001 / 40P01), and
 * those are retried: a failed transaction was rolled back, so a retry never
 * applies twice.
 */
import pg from 'pg'
import { WeftOutcomeUnknownError, WeftUnavailableError } from './strong-errors.js'
import { canonicalJson, checkAdd, checkKey, checkOwner } from './strong-input.js'
import type { ClaimResult, CounterBounds, CounterResult, RegisterResult, StrongOps, StrongValue } from './strong-ops.js'

export interface PgStrongOpsOptions {
  /** `postgres://user@host:port/db`; ignored when `pool` is given. */
  readonly connectionString?: string
  /** A pool to share (not ended by `close`); otherwise one is made. */
  readonly pool?: pg.Pool
  /** Connections in the pool made here (default 10). */
  readonly maxConnections?: number
  /**
   * Deadline per operation in ms (default 5,000). The database aborts a
   * statement past it (nothing happens: WeftUnavailableError 'timeout'); if
   * no answer arrives a second later the outcome is unknown.
   */
  readonly timeoutMs?: number
  /** Retries of a statement that failed to serialize before giving up with 'contention' (default 20). */
  readonly maxRetries?: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS weft_strong_claims (
  name text PRIMARY KEY,
  holder text,
  applied boolean NOT NULL
);
CREATE TABLE IF NOT EXISTS weft_strong_registers (
  key text PRIMARY KEY,
  value jsonb,
  applied boolean NOT NULL
);
CREATE TABLE IF NOT EXISTS weft_strong_counters (
  name text PRIMARY KEY,
  value bigint NOT NULL,
  applied boolean NOT NULL
);`

const CLAIM = `
INSERT INTO weft_strong_claims AS c (name, holder, applied) VALUES ($1, $2, true)
ON CONFLICT (name) DO UPDATE SET
  applied = (c.holder IS NULL OR c.holder = EXCLUDED.holder),
  holder = CASE WHEN c.holder IS NULL OR c.holder = EXCLUDED.holder THEN EXCLUDED.holder ELSE c.holder END
RETURNING holder, applied`

// A release of a name with no row finds nothing and changes nothing: { ok: false, holder: null }.
const RELEASE = `
UPDATE weft_strong_claims AS c SET
  applied = (c.holder IS NOT DISTINCT FROM $2),
  holder = CASE WHEN c.holder IS NOT DISTINCT FROM $2 THEN NULL ELSE c.holder END
WHERE name = $1
RETURNING holder, applied`

// SQL NULL stands for JSON null (absent), so "expected null" matches a missing row or a NULL value.
const CAS = `
INSERT INTO weft_strong_registers AS r (key, value, applied)
VALUES ($1, CASE WHEN $2::jsonb IS NULL THEN $3::jsonb END, $2::jsonb IS NULL)
ON CONFLICT (key) DO UPDATE SET
  applied = (r.value IS NOT DISTINCT FROM $2::jsonb),
  value = CASE WHEN r.value IS NOT DISTINCT FROM $2::jsonb THEN $3::jsonb ELSE r.value END
RETURNING value, applied`

const ADD = `
INSERT INTO weft_strong_counters AS c (name, value, applied)
VALUES ($1, CASE WHEN $2::bigint BETWEEN $3::bigint AND $4::bigint THEN $2::bigint ELSE 0 END, $2::bigint BETWEEN $3::bigint AND $4::bigint)
ON CONFLICT (name) DO UPDATE SET
  applied = (c.value + $2::bigint BETWEEN $3::bigint AND $4::bigint),
  value = CASE WHEN c.value + $2::bigint BETWEEN $3::bigint AND $4::bigint THEN c.value + $2::bigint ELSE c.value END
RETURNING value, applied`

/** SQLSTATE classes after which a sent statement may or may not have committed (connection and server failures). */
const UNCERTAIN_CLASSES = new Set(['08', '53', '57', '58', 'XX'])

/**
 * @example
 * ```ts
 * const ops = await PgStrongOps.open({ connectionString: process.env.WEFT_STORE! })
 * const r = await ops.claim('/n/trip-to-lisbon', 'user-7') // { ok: true, holder: 'user-7' }
 * await ops.close()
 * ```
 */
export class PgStrongOps implements StrongOps {
  /** Statements retried after a serialization failure or deadlock (for metrics and tests). */
  serializationRetries = 0
  private closed = false
  /** Checked-out connections that already have an 'error' listener. */
  private readonly guarded = new WeakSet<pg.PoolClient>()

  private constructor(
    private readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    private readonly timeoutMs: number,
    private readonly maxRetries: number,
  ) {}

  /** Connects and creates the tables if missing; rejects with WeftUnavailableError('unreachable') when it cannot. */
  static async open(options: PgStrongOpsOptions): Promise<PgStrongOps> {
    const timeoutMs = options.timeoutMs ?? 5_000
    const pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: timeoutMs,
        statement_timeout: timeoutMs,
      })
    // An idle connection killed by the server emits 'error' on the pool; the pool drops it and the next op gets a fresh one.
    // A backend terminated while its connection is checked out (or still connecting) emits 'error' on the client too.
    if (!options.pool) {
      pool.on('error', () => {})
      pool.on('connect', (client) => client.on('error', () => {}))
    }
    const ops = new PgStrongOps(pool, !options.pool, timeoutMs, options.maxRetries ?? 20)
    try {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        // Several nodes may start at once; CREATE TABLE IF NOT EXISTS races on the catalog without a lock.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('weft_strong_schema'))`)
        await client.query(SCHEMA)
        await client.query('COMMIT')
      } finally {
        client.release()
      }
    } catch (e) {
      if (ops.ownsPool) await pool.end().catch(() => {})
      throw new WeftUnavailableError(
        'unreachable',
        `cannot open strong operations on PostgreSQL (${describe(e)}): check the URL, that the server runs and accepts this user`,
        { cause: e },
      )
    }
    return ops
  }

  async claim(name: string, owner: string): Promise<ClaimResult> {
    const row = await this.one(CLAIM, [checkKey(name, 'name'), checkOwner(owner)])
    return { ok: row?.applied === true, holder: (row?.holder as string | null) ?? null }
  }

  async release(name: string, owner: string): Promise<ClaimResult> {
    const row = await this.one(RELEASE, [checkKey(name, 'name'), checkOwner(owner)])
    return { ok: row?.applied === true, holder: (row?.holder as string | null | undefined) ?? null }
  }

  async readClaim(name: string): Promise<ClaimResult> {
    const row = await this.one('SELECT holder FROM weft_strong_claims WHERE name = $1', [checkKey(name, 'name')])
    return { holder: (row?.holder as string | null | undefined) ?? null }
  }

  async compareAndSet(key: string, expected: StrongValue, next: StrongValue): Promise<RegisterResult> {
    checkKey(key)
    const e = canonicalJson(expected)
    const n = canonicalJson(next)
    const row = await this.one(CAS, [key, e === 'null' ? null : e, n === 'null' ? null : n])
    return { ok: row?.applied === true, value: (row?.value as StrongValue | undefined) ?? null }
  }

  async read(key: string): Promise<RegisterResult> {
    const row = await this.one('SELECT value FROM weft_strong_registers WHERE key = $1', [checkKey(key)])
    return { value: (row?.value as StrongValue | undefined) ?? null }
  }

  async add(counter: string, n: number, bounds?: CounterBounds): Promise<CounterResult> {
    checkKey(counter, 'counter')
    const a = checkAdd(n, bounds)
    const row = await this.one(ADD, [counter, a.n, a.min, a.max])
    return { ok: row?.applied === true, value: Number(row?.value ?? 0) }
  }

  async readCounter(counter: string): Promise<CounterResult> {
    const row = await this.one('SELECT value FROM weft_strong_counters WHERE name = $1', [checkKey(counter, 'counter')])
    return { value: Number(row?.value ?? 0) }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.ownsPool) await this.pool.end()
  }

  /** Runs one autocommit statement; maps every failure to "did not happen" or "outcome unknown". */
  private async one(sql: string, params: unknown[]): Promise<Record<string, unknown> | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new WeftUnavailableError('closed', 'this StrongOps was closed')
      let client: pg.PoolClient
      try {
        client = await this.pool.connect()
      } catch (e) {
        throw new WeftUnavailableError('unreachable', `cannot reach PostgreSQL (${describe(e)})`, { cause: e })
      }
      if (!this.guarded.has(client)) {
        // For a shared pool: see the 'connect' listener in open().
        client.on('error', () => {})
        this.guarded.add(client)
      }
      let timer: NodeJS.Timeout | undefined
      try {
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DeadlineError()), this.timeoutMs + 1_000)
        })
        const result = await Promise.race([client.query(sql, params), deadline])
        client.release()
        return result.rows[0]
      } catch (e) {
        const state = sqlState(e)
        if (state === '40001' || state === '40P01') {
          client.release()
          if (attempt >= this.maxRetries) throw new WeftUnavailableError('contention', `still failing to serialize after ${attempt + 1} tries`, { cause: e })
          this.serializationRetries++
          await sleep(Math.random() * Math.min(50, 2 ** attempt))
          continue
        }
        if (state === '57014') {
          // statement_timeout (or a cancel request): PostgreSQL rolled the statement back.
          client.release()
          throw new WeftUnavailableError('timeout', `PostgreSQL aborted the operation after ${this.timeoutMs} ms`, { cause: e })
        }
        // The connection's state is unknown: drop it rather than return it to the pool.
        client.release(e instanceof Error ? e : new Error(String(e)))
        if (e instanceof DeadlineError)
          throw new WeftOutcomeUnknownError('timeout', `no answer from PostgreSQL within ${this.timeoutMs + 1_000} ms`, { cause: e })
        if (notSent(e) && attempt === 0) continue
        if (state === undefined || UNCERTAIN_CLASSES.has(state.slice(0, 2))) {
          throw new WeftOutcomeUnknownError('connection-lost', `the connection to PostgreSQL failed during the operation (${describe(e)})`, { cause: e })
        }
        throw e
      } finally {
        clearTimeout(timer)
      }
    }
  }
}

class DeadlineError extends Error {
  override readonly name = 'DeadlineError'
}

function sqlState(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** node-postgres refuses a query on a connection it already knows is broken, before writing anything. */
function notSent(e: unknown): boolean {
  return e instanceof Error && /not queryable/.test(e.message)
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message || e.name : String(e)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
