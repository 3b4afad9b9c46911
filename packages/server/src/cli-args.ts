import { parseArgs } from 'node:util'
import type { Limits } from './limits/limits.js'

/** What the CLI resolved from flags and environment. */
export interface CliConfig {
  readonly help: boolean
  readonly port: number
  readonly host: string
  /** `:memory:` keeps everything in memory (nothing survives a restart). */
  readonly db: string
  readonly jwtSecret: string | undefined
  readonly staticDir: string | undefined
  readonly logLevel: string
  readonly synchronous: 'FULL' | 'NORMAL' | 'EXTRA'
  /** `worker` (default): commits on a worker thread; `main`: on the event loop (diagnosis). */
  readonly sqliteThread: 'worker' | 'main'
  readonly limits: Partial<Limits>
  readonly compactionThreshold: number | undefined
  readonly compactionKeepTail: number | undefined
}

export const CLI_USAGE = `Usage: weft-server [options]

  --port <n>              TCP port (env WEFT_PORT, default 8787; 0 = any free port)
  --host <addr>           interface (env WEFT_HOST, default 127.0.0.1; 0.0.0.0 to expose)
  --db <file>             SQLite file for all docs (env WEFT_DB, default ./weft.db; :memory: for none)
  --jwt-secret <s>        HS256 secret; without it the server runs in OPEN dev mode
                          (env WEFT_JWT_SECRET, preferred: flags show up in ps)
  --static <dir>          serve a built demo app at / (env WEFT_STATIC_DIR)
  --log-level <lvl>       pino level (env WEFT_LOG_LEVEL, default info)
  --synchronous <mode>    SQLite synchronous: FULL (default), NORMAL, EXTRA (env WEFT_SYNCHRONOUS)
  --sqlite-thread <t>     worker (default: commits off the event loop) or main (env WEFT_SQLITE_THREAD)
  --max-frame-bytes <n>   (env WEFT_MAX_FRAME_BYTES, default 1048576)
  --max-docs <n>          docs per connection (env WEFT_MAX_DOCS)
  --max-msgs-per-sec <n>  (env WEFT_MAX_MSGS_PER_SEC)
  --max-buffered-bytes <n> per slow reader (env WEFT_MAX_BUFFERED_BYTES)
  --hello-timeout-ms <n>  (env WEFT_HELLO_TIMEOUT_MS)
  --compaction-threshold <n>  fold a doc's log into a snapshot past n deltas (env WEFT_COMPACTION_THRESHOLD, default 1000)
  --compaction-keep-tail <n>  deltas kept after compaction (env WEFT_COMPACTION_KEEP_TAIL, default 100)
  -h, --help
`

/** Flags win over environment variables, which win over defaults. Throws on invalid values. */
export function parseCliArgs(argv: readonly string[], env: Record<string, string | undefined>): CliConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      'jwt-secret': { type: 'string' },
      static: { type: 'string' },
      'log-level': { type: 'string' },
      synchronous: { type: 'string' },
      'sqlite-thread': { type: 'string' },
      'max-frame-bytes': { type: 'string' },
      'max-docs': { type: 'string' },
      'max-msgs-per-sec': { type: 'string' },
      'max-buffered-bytes': { type: 'string' },
      'hello-timeout-ms': { type: 'string' },
      'compaction-threshold': { type: 'string' },
      'compaction-keep-tail': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const pick = (flag: keyof typeof values, name: string): string | undefined => {
    const v = values[flag]
    return typeof v === 'string' ? v : env[name]
  }
  const int = (flag: keyof typeof values, name: string): number | undefined => {
    const raw = pick(flag, name)
    if (raw === undefined || raw === '') return undefined
    const n = Number(raw)
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${String(flag)} / ${name}: expected a non-negative integer, got "${raw}"`)
    return n
  }
  const synchronous = (pick('synchronous', 'WEFT_SYNCHRONOUS') ?? 'FULL').toUpperCase()
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL' && synchronous !== 'EXTRA') {
    throw new Error(`--synchronous: expected FULL, NORMAL or EXTRA, got "${synchronous}"`)
  }
  const sqliteThread = pick('sqlite-thread', 'WEFT_SQLITE_THREAD') ?? 'worker'
  if (sqliteThread !== 'worker' && sqliteThread !== 'main') {
    throw new Error(`--sqlite-thread: expected worker or main, got "${sqliteThread}"`)
  }
  const limits: Partial<Record<keyof Limits, number>> = {}
  const setLimit = (key: keyof Limits, value: number | undefined) => {
    if (value !== undefined) limits[key] = value
  }
  setLimit('maxFrameBytes', int('max-frame-bytes', 'WEFT_MAX_FRAME_BYTES'))
  setLimit('maxDocsPerConnection', int('max-docs', 'WEFT_MAX_DOCS'))
  setLimit('maxMessagesPerSecond', int('max-msgs-per-sec', 'WEFT_MAX_MSGS_PER_SEC'))
  setLimit('maxBufferedBytes', int('max-buffered-bytes', 'WEFT_MAX_BUFFERED_BYTES'))
  setLimit('helloTimeoutMs', int('hello-timeout-ms', 'WEFT_HELLO_TIMEOUT_MS'))
  const secret = pick('jwt-secret', 'WEFT_JWT_SECRET')
  return {
    help: values.help === true,
    port: int('port', 'WEFT_PORT') ?? 8787,
    host: pick('host', 'WEFT_HOST') ?? '127.0.0.1',
    db: pick('db', 'WEFT_DB') ?? './weft.db',
    jwtSecret: secret === '' ? undefined : secret,
    staticDir: pick('static', 'WEFT_STATIC_DIR'),
    logLevel: pick('log-level', 'WEFT_LOG_LEVEL') ?? 'info',
    synchronous,
    sqliteThread,
    limits,
    compactionThreshold: int('compaction-threshold', 'WEFT_COMPACTION_THRESHOLD'),
    compactionKeepTail: int('compaction-keep-tail', 'WEFT_COMPACTION_KEEP_TAIL'),
  }
}
