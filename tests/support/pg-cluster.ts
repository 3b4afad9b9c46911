/**
 * PostgreSQL clusters of a test's own: `initdb` into a temp dir, `postgres`
 * on a free port with its socket in that dir, any settings the shared server
 * lacks (two-phase commit needs `max_prepared_transactions`, which is 0 on the
 * machine's server). Faults are real: {@link PgCluster.crash} is kill -9 of
 * the postmaster and every backend, and {@link PgCluster.start} runs crash
 * recovery over the same data dir (prepared transactions survive it).
 *
 * The binaries are found at run time (env `PG_BIN`, `pg_config --bindir`,
 * `initdb` on PATH, the newest /usr/lib/postgresql/N/bin), so CI needs no
 * path of its own. PostgreSQL refuses to run as root: when the tests run as
 * root the data dir is handed to the `postgres` user and every command runs
 * through `runuser -u postgres`.
 *
 * `fsync=off`: the faults here kill processes, which never loses what was
 * written to the OS page cache (COMMIT still writes the WAL); it would not
 * survive a power cut, which these tests do not simulate.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './free-port.js'

export interface PgClusterOptions {
  /** Extra `-c name=value` settings (default: `max_prepared_transactions=64`). */
  readonly settings?: Readonly<Record<string, string | number>>
  /** How long to wait for the server to accept connections (default 30 s). */
  readonly startTimeoutMs?: number
  /** argv prefix the server runs under (e.g. `ip netns exec NS`: a region's own network namespace). */
  readonly wrap?: readonly string[]
  /** Address the server listens on and URLs name (default 127.0.0.1); other than loopback, pg_hba trusts every host. */
  readonly host?: string
  /**
   * Make this cluster a streaming standby of a running one instead of a new
   * one: `pg_basebackup -R` from it, creating a physical replication slot of
   * this name on it (its settings must be at least the primary's).
   */
  readonly standbyOf?: { readonly primary: PgCluster; readonly slot: string }
}

export interface PgCluster {
  readonly port: number
  readonly dataDir: string
  /** `postgres://postgres@127.0.0.1:PORT/<database>` */
  url(database?: string): string
  /** `CREATE DATABASE name` (resolves with its URL). */
  createDatabase(name: string): Promise<string>
  /** Runs one statement on a fresh connection to `database` (default `postgres`). */
  query(sql: string, params?: readonly unknown[], database?: string): Promise<pg.QueryResult>
  /** Is the postmaster running? */
  readonly running: boolean
  /** kill -9 of the postmaster and all its children; resolves once they are gone. */
  crash(): Promise<void>
  /** Starts the server again over its data dir (crash recovery runs); resolves once it accepts connections. */
  start(): Promise<void>
  /** Stops the server and deletes the data dir. */
  destroy(): Promise<void>
}

/** The directory holding initdb, postgres and pg_ctl. */
export function findPgBinDir(): string {
  const fromEnv = process.env.PG_BIN
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (existsSync(join(dir, 'initdb'))) return dir
  } catch {}
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb'))) return dir
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions[0]) return join(root, versions[0], 'bin')
  }
  throw new Error('initdb not found: install PostgreSQL (apt-get install postgresql) or set PG_BIN to its bin directory')
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

/** argv that runs `bin args` as the postgres user when we are root. */
function asPostgres(bin: string, args: readonly string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]]
}

function postgresUid(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'))
  const parts = line?.split(':')
  if (!parts?.[2] || !parts[3]) throw new Error('running as root but there is no postgres user to run PostgreSQL as (PostgreSQL refuses root)')
  return { uid: Number(parts[2]), gid: Number(parts[3]) }
}

/**
 * @example
 * ```ts
 * const pgc = await startPgCluster()
 * try { const url = await pgc.createDatabase('shard_a') } finally { await pgc.destroy() }
 * ```
 */
export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const binDir = findPgBinDir()
  const dataDir = mkdtempSync(join(tmpdir(), 'weft-pg-'))
  if (asRoot) {
    const { uid, gid } = postgresUid()
    chownSync(dataDir, uid, gid)
  }
  const standby = options.standbyOf
  const [initBin, initArgs] = standby
    ? asPostgres(join(binDir, 'pg_basebackup'), [
        ...['-h', '127.0.0.1', '-p', String(standby.primary.port), '-U', 'postgres', '-D', dataDir],
        ...['-R', '-X', 'stream', '-C', '-S', standby.slot, '--no-sync', '--checkpoint=fast'],
      ])
    : asPostgres(join(binDir, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  execFileSync(initBin, initArgs, { stdio: ['ignore', 'ignore', 'pipe'] })
  const port = await freePort()
  const host = options.host ?? '127.0.0.1'
  if (host !== '127.0.0.1') appendFileSync(join(dataDir, 'pg_hba.conf'), '\nhost all all 0.0.0.0/0 trust\n')
  const settings = { max_prepared_transactions: 64, fsync: 'off', max_connections: 200, ...options.settings }
  const startTimeoutMs = options.startTimeoutMs ?? 30_000
  let child: ChildProcess | undefined

  const url = (database = 'postgres') => `postgres://postgres@${host}:${port}/${database}`
  const query = async (sql: string, params: readonly unknown[] = [], database = 'postgres') => {
    const c = new pg.Client({ connectionString: url(database), connectionTimeoutMillis: 5_000 })
    c.on('error', () => {})
    await c.connect()
    try {
      return await c.query(sql, [...params])
    } finally {
      await c.end().catch(() => {})
    }
  }

  const start = async () => {
    const args = ['-D', dataDir, '-p', String(port), '-k', dataDir, '-c', `listen_addresses=${host}`]
    for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`)
    const [bin, argv] = asPostgres(join(binDir, 'postgres'), args)
    const wrap = options.wrap ?? []
    const proc = wrap.length > 0 ? spawn(wrap[0] as string, [...wrap.slice(1), bin, ...argv], { stdio: 'ignore' }) : spawn(bin, argv, { stdio: 'ignore' })
    proc.on('error', () => {})
    child = proc
    const deadline = Date.now() + startTimeoutMs
    let last: unknown
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`postgres on port ${port} exited with ${proc.exitCode} (data dir ${dataDir})`)
      try {
        await query('SELECT 1')
        return
      } catch (e) {
        last = e
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    throw new Error(`postgres on port ${port} did not accept connections within ${startTimeoutMs} ms: ${String(last)}`)
  }

  const postmasterPid = (): number | undefined => {
    try {
      return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    } catch {
      return undefined
    }
  }
  const childrenOf = (pid: number): number[] => {
    const out: number[] = []
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        if (ppid === pid) out.push(Number(entry))
      } catch {}
    }
    return out
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0)
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
    } catch {
      return false
    }
  }

  const crash = async () => {
    const pid = postmasterPid()
    const proc = child
    child = undefined
    if (!pid) return
    // Children first would let the postmaster notice and start recovery itself; kill it first, then its backends.
    const kids = childrenOf(pid)
    for (const p of [pid, ...kids]) {
      try {
        process.kill(p, 'SIGKILL')
      } catch {}
    }
    const deadline = Date.now() + 10_000
    while ([pid, ...kids].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    if (proc && proc.exitCode === null) await new Promise((r) => proc.once('exit', r))
  }

  await start()
  return {
    port,
    dataDir,
    url,
    query,
    get running() {
      return child !== undefined && child.exitCode === null
    },
    async createDatabase(name) {
      await query(`CREATE DATABASE ${name}`)
      return url(name)
    },
    crash,
    start,
    async destroy() {
      await crash()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
