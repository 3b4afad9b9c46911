import { parseArgs } from 'node:util'
import type { Limits } from './limits/limits.js'
import { type RegionPeer, parsePeers } from './regions/region-options.js'
import { type ResidencyRule, parseResidency } from './regions/residency.js'

/** What the CLI resolved from flags and environment. */
export interface CliConfig {
  readonly help: boolean
  readonly port: number
  readonly host: string
  /** `:memory:` keeps everything in memory (nothing survives a restart). */
  readonly db: string
  /** `postgres://…`: the PostgreSQL op log of record shared by several nodes (wins over `db`). */
  readonly store: string | undefined
  /** Connections of this node to PostgreSQL (per shard with `shards`). */
  readonly storePool: number | undefined
  /** shard id -> `postgres://…`: docs spread over these databases, `store` holding the shard map (catalog). */
  readonly shards: Readonly<Record<string, string>> | undefined
  /** `nats://host:port`: the bus to the other nodes; absent, this node runs alone. */
  readonly bus: string | undefined
  /** Subject prefix on the bus (clusters sharing a NATS server differ by it). */
  readonly busPrefix: string | undefined
  /** This node's id (default random). */
  readonly nodeId: string | undefined
  /** A node silent this long is dead and its docs move (ms). */
  readonly nodeTtlMs: number | undefined
  /** Test switch (env `WEFT_TEST_BUS_DROP`, 0..1): the share of incoming bus deltas to lose on purpose. */
  readonly testBusDrop: number
  readonly jwtSecret: string | undefined
  readonly staticDir: string | undefined
  readonly logLevel: string
  readonly synchronous: 'FULL' | 'NORMAL' | 'EXTRA'
  /** `worker` (default): commits on a worker thread; `main`: on the event loop (diagnosis). */
  readonly sqliteThread: 'worker' | 'main'
  readonly limits: Partial<Limits>
  readonly compactionThreshold: number | undefined
  readonly compactionKeepTail: number | undefined
  /** This server's region (`--region`); with peers, it replicates to and from them. */
  readonly region: string | undefined
  readonly peers: readonly RegionPeer[]
  readonly peerSecret: string | undefined
  /** Full anti-entropy pass with each peer region (version vectors, then digests) every n ms. */
  readonly antiEntropyMs: number | undefined
  /** Docs pinned to a set of regions (`--residency PATTERN=REGION+REGION`), the same table in every region ([RESIDENCY-1]). */
  readonly residency: readonly ResidencyRule[]
  /** Background audit tick (ms); 0 or absent: off. */
  readonly auditIntervalMs: number | undefined
  readonly auditDocsPerTick: number | undefined
  /** Closed findings and repairs kept in the store [AUDIT-6]. */
  readonly auditKeepFindings: number | undefined
  /** Closed findings and repairs older than this many days are deleted [AUDIT-6]. */
  readonly auditFindingsMaxAgeDays: number | undefined
  /** Serves /admin (the dashboard) to requests bearing it. */
  readonly adminToken: string | undefined
  /** Backend of clients' strong operations, resolved from `--strong` ([STRONG-6]). */
  readonly strong: StrongBackend
  /** NATS URLs of the JetStream cluster for `strong: 'jetstream'`. */
  readonly strongNats: readonly string[]
  /** JetStream KV bucket of the strong operations. */
  readonly strongBucket: string | undefined
}

/** Which backend runs clients' strong (CP) operations. */
export type StrongBackend = 'postgres' | 'jetstream' | 'memory' | 'off'

export const CLI_USAGE = `Usage: weft-server [options]

  --port <n>              TCP port (env WEFT_PORT, default 8787; 0 = any free port)
  --host <addr>           interface (env WEFT_HOST, default 127.0.0.1; 0.0.0.0 to expose)
  --db <file>             SQLite file for all docs (env WEFT_DB, default ./weft.db; :memory: for none)
  --store <url>           postgres://user:pass@host:5432/db: PostgreSQL instead of --db, shared by
                          every node of a cluster (env WEFT_STORE)
  --store-pool <n>        connections to PostgreSQL (env WEFT_STORE_POOL, default 4; per shard)
  --shard <id>=<url>      a PostgreSQL shard; repeat for each (env WEFT_SHARDS=a=url,b=url): each doc
                          lives whole on one shard (rendezvous hash), --store holds the shard map
  --bus <url>             nats://host:4222: the bus between nodes (env WEFT_BUS; absent: one node)
  --bus-prefix <p>        NATS subject prefix (env WEFT_BUS_PREFIX, default weft)
  --node-id <id>          this node's id (env WEFT_NODE_ID, default random)
  --node-ttl-ms <n>       a silent node is dead after n ms; its docs move (env WEFT_NODE_TTL_MS, default 10000)
  --jwt-secret <s>        HS256 secret; without it the server runs in OPEN dev mode
                          (env WEFT_JWT_SECRET, preferred: flags show up in ps)
  --static <dir>          serve a built demo app at / (env WEFT_STATIC_DIR)
  --log-level <lvl>       pino level (env WEFT_LOG_LEVEL, default info)
  --synchronous <mode>    SQLite synchronous: FULL (default), NORMAL, EXTRA (env WEFT_SYNCHRONOUS)
  --sqlite-thread <t>     worker (default: commits off the event loop) or main (env WEFT_SQLITE_THREAD)
  --max-frame-bytes <n>   (env WEFT_MAX_FRAME_BYTES, default 1048576)
  --max-message-bytes <n> a frame sent in parts, in all (env WEFT_MAX_MESSAGE_BYTES, default 16777216)
  --max-docs <n>          docs per connection (env WEFT_MAX_DOCS)
  --max-msgs-per-sec <n>  (env WEFT_MAX_MSGS_PER_SEC)
  --max-buffered-bytes <n> per slow reader (env WEFT_MAX_BUFFERED_BYTES)
  --hello-timeout-ms <n>  (env WEFT_HELLO_TIMEOUT_MS)
  --max-presence-bytes <n>  presence state, JSON length (env WEFT_MAX_PRESENCE_BYTES, default 4096)
  --max-presence-depth <n>  presence state nesting (env WEFT_MAX_PRESENCE_DEPTH, default 32)
  --max-vv-entries <n>    entries of a subscribe's or digest's version vector
                          (env WEFT_MAX_VV_ENTRIES, default 16384)
  --compaction-threshold <n>  fold a doc's log into a snapshot past n deltas (env WEFT_COMPACTION_THRESHOLD, default 1000)
  --compaction-keep-tail <n>  deltas kept after compaction (env WEFT_COMPACTION_KEEP_TAIL, default 100)
  --region <name>         this server's region (env WEFT_REGION)
  --peer <name=url>       a peer region, http://host:port of any of its nodes; repeatable
                          (env WEFT_PEERS as name=url,name=url)
  --residency <p=r+r>     pin docs matching a pattern to regions, e.g. eu:*=eu-west+eu-central;
                          repeatable (env WEFT_RESIDENCY, ';'-separated); the same in every region
  --peer-secret <s>       shared secret between regions, 16+ characters (env WEFT_PEER_SECRET, preferred)
  --anti-entropy-ms <n>   full comparison with each peer region (version vectors, then stored digests)
                          every n ms (env WEFT_ANTI_ENTROPY_MS, default 30000)
  --audit-interval-ms <n> audit a few docs of the store every n ms in the background (env
                          WEFT_AUDIT_INTERVAL_MS; default 0 = off); findings in /metrics and the log
  --audit-docs-per-tick <n>  docs per audit tick (env WEFT_AUDIT_DOCS_PER_TICK, default 20)
  --audit-keep-findings <n>  resolved findings and repairs kept in the store, newest first; older
                          ones are deleted once a pass (env WEFT_AUDIT_KEEP_FINDINGS, default 1000;
                          open findings are always kept)
  --audit-findings-max-age-days <n>  and those closed more than n days ago
                          (env WEFT_AUDIT_FINDINGS_MAX_AGE_DAYS, default 30)
  --admin-token <t>       serve the operator's dashboard at /admin and the audit's
                          /audit/replica/* routes to this token (env WEFT_ADMIN_TOKEN,
                          preferred; absent: no dashboard; a region's peer secret also
                          opens /audit/replica/*)
  --strong <backend>      clients' strong (CP) operations (env WEFT_STRONG, default auto):
                          postgres (the --store database), jetstream (--strong-nats, R=3),
                          memory (this process only: one node, lost on restart), off;
                          auto = jetstream with --strong-nats, else postgres with --store,
                          else memory for a single SQLite / :memory: node
  --strong-nats <urls>    nats://a:4222,nats://b:4222,...: the JetStream cluster of the strong
                          operations, this region's server first: tried in this order
                          (env WEFT_STRONG_NATS)
  --strong-bucket <name>  its KV bucket (env WEFT_STRONG_BUCKET, default weft_strong)
  -h, --help

Subcommands: weft-server token --help, weft-server audit --help, weft-server shards --help
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
      store: { type: 'string' },
      'store-pool': { type: 'string' },
      shard: { type: 'string', multiple: true },
      bus: { type: 'string' },
      'bus-prefix': { type: 'string' },
      'node-id': { type: 'string' },
      'node-ttl-ms': { type: 'string' },
      'jwt-secret': { type: 'string' },
      static: { type: 'string' },
      'log-level': { type: 'string' },
      synchronous: { type: 'string' },
      'sqlite-thread': { type: 'string' },
      'max-frame-bytes': { type: 'string' },
      'max-message-bytes': { type: 'string' },
      'max-docs': { type: 'string' },
      'max-msgs-per-sec': { type: 'string' },
      'max-buffered-bytes': { type: 'string' },
      'hello-timeout-ms': { type: 'string' },
      'max-presence-bytes': { type: 'string' },
      'max-presence-depth': { type: 'string' },
      'max-vv-entries': { type: 'string' },
      'compaction-threshold': { type: 'string' },
      'compaction-keep-tail': { type: 'string' },
      region: { type: 'string' },
      peer: { type: 'string', multiple: true },
      'peer-secret': { type: 'string' },
      residency: { type: 'string', multiple: true },
      'anti-entropy-ms': { type: 'string' },
      'audit-interval-ms': { type: 'string' },
      'audit-docs-per-tick': { type: 'string' },
      'audit-keep-findings': { type: 'string' },
      'audit-findings-max-age-days': { type: 'string' },
      'admin-token': { type: 'string' },
      strong: { type: 'string' },
      'strong-nats': { type: 'string' },
      'strong-bucket': { type: 'string' },
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
  setLimit('maxMessageBytes', int('max-message-bytes', 'WEFT_MAX_MESSAGE_BYTES'))
  setLimit('maxDocsPerConnection', int('max-docs', 'WEFT_MAX_DOCS'))
  setLimit('maxMessagesPerSecond', int('max-msgs-per-sec', 'WEFT_MAX_MSGS_PER_SEC'))
  setLimit('maxBufferedBytes', int('max-buffered-bytes', 'WEFT_MAX_BUFFERED_BYTES'))
  setLimit('helloTimeoutMs', int('hello-timeout-ms', 'WEFT_HELLO_TIMEOUT_MS'))
  setLimit('maxPresenceBytes', int('max-presence-bytes', 'WEFT_MAX_PRESENCE_BYTES'))
  setLimit('maxPresenceDepth', int('max-presence-depth', 'WEFT_MAX_PRESENCE_DEPTH'))
  setLimit('maxVersionVectorEntries', int('max-vv-entries', 'WEFT_MAX_VV_ENTRIES'))
  const store = pick('store', 'WEFT_STORE') || undefined
  if (store !== undefined && !/^postgres(ql)?:\/\//.test(store)) {
    throw new Error(`--store / WEFT_STORE: expected a postgres:// URL, got "${store.replace(/:[^:@/]*@/, ':***@')}" (a SQLite file goes in --db)`)
  }
  const shards = parseShards(values.shard ?? (env.WEFT_SHARDS ? env.WEFT_SHARDS.split(',') : []), store)
  const bus = pick('bus', 'WEFT_BUS') || undefined
  if (bus !== undefined && !/^(nats|tls):\/\//.test(bus)) throw new Error(`--bus / WEFT_BUS: expected a nats:// URL, got "${bus}"`)
  const drop = Number(env.WEFT_TEST_BUS_DROP ?? 0)
  if (!(drop >= 0 && drop <= 1)) throw new Error(`WEFT_TEST_BUS_DROP: expected a share between 0 and 1, got "${env.WEFT_TEST_BUS_DROP}"`)
  const secret = pick('jwt-secret', 'WEFT_JWT_SECRET')
  const region = pick('region', 'WEFT_REGION') || undefined
  const peers = parsePeers(values.peer ?? (env.WEFT_PEERS ? [env.WEFT_PEERS] : []), region)
  if (peers.length > 0 && region === undefined) throw new Error("--peer needs --region NAME (this region's own name)")
  const peerSecret = pick('peer-secret', 'WEFT_PEER_SECRET') || undefined
  if (peers.length > 0 && (peerSecret === undefined || peerSecret.length < 16)) {
    throw new Error('--peer needs --peer-secret / WEFT_PEER_SECRET of at least 16 characters, the same in every region (e.g. openssl rand -hex 32)')
  }
  const strongNats = (pick('strong-nats', 'WEFT_STRONG_NATS') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
  for (const u of strongNats) if (!/^(nats|tls):\/\//.test(u)) throw new Error(`--strong-nats / WEFT_STRONG_NATS: expected nats:// URLs, got "${u}"`)
  const strong = resolveStrongBackend(pick('strong', 'WEFT_STRONG') || 'auto', { store, bus, strongNats })
  return {
    help: values.help === true,
    port: int('port', 'WEFT_PORT') ?? 8787,
    host: pick('host', 'WEFT_HOST') ?? '127.0.0.1',
    db: pick('db', 'WEFT_DB') ?? './weft.db',
    store,
    storePool: int('store-pool', 'WEFT_STORE_POOL'),
    shards,
    bus,
    busPrefix: pick('bus-prefix', 'WEFT_BUS_PREFIX') || undefined,
    nodeId: pick('node-id', 'WEFT_NODE_ID') || undefined,
    nodeTtlMs: int('node-ttl-ms', 'WEFT_NODE_TTL_MS'),
    testBusDrop: drop,
    jwtSecret: secret === '' ? undefined : secret,
    staticDir: pick('static', 'WEFT_STATIC_DIR'),
    logLevel: pick('log-level', 'WEFT_LOG_LEVEL') ?? 'info',
    synchronous,
    sqliteThread,
    limits,
    compactionThreshold: int('compaction-threshold', 'WEFT_COMPACTION_THRESHOLD'),
    compactionKeepTail: int('compaction-keep-tail', 'WEFT_COMPACTION_KEEP_TAIL'),
    region,
    peers,
    residency: parseResidency(values.residency ?? (env.WEFT_RESIDENCY ? [env.WEFT_RESIDENCY] : [])),
    peerSecret,
    antiEntropyMs: int('anti-entropy-ms', 'WEFT_ANTI_ENTROPY_MS') || undefined,
    auditIntervalMs: int('audit-interval-ms', 'WEFT_AUDIT_INTERVAL_MS') || undefined,
    auditDocsPerTick: int('audit-docs-per-tick', 'WEFT_AUDIT_DOCS_PER_TICK'),
    auditKeepFindings: int('audit-keep-findings', 'WEFT_AUDIT_KEEP_FINDINGS'),
    auditFindingsMaxAgeDays: int('audit-findings-max-age-days', 'WEFT_AUDIT_FINDINGS_MAX_AGE_DAYS'),
    adminToken: pick('admin-token', 'WEFT_ADMIN_TOKEN') || undefined,
    strong,
    strongNats,
    strongBucket: pick('strong-bucket', 'WEFT_STRONG_BUCKET') || undefined,
  }
}

/**
 * [STRONG-6] `auto` picks the strongest backend the deployment already has.
 * Memory is refused with a bus: each node would decide alone, and two
 * clients on two nodes could both win one name.
 */
function resolveStrongBackend(asked: string, has: { store: string | undefined; bus: string | undefined; strongNats: readonly string[] }): StrongBackend {
  const jetstream = has.strongNats.length > 0
  switch (asked) {
    case 'auto':
      if (jetstream) return 'jetstream'
      if (has.store !== undefined) return 'postgres'
      return has.bus === undefined ? 'memory' : 'off'
    case 'postgres':
      if (has.store === undefined) throw new Error('--strong postgres needs --store postgres://… (the strong operations live in that database)')
      return 'postgres'
    case 'jetstream':
      if (!jetstream) throw new Error('--strong jetstream needs --strong-nats nats://a:4222,nats://b:4222,nats://c:4222')
      return 'jetstream'
    case 'memory':
      if (has.bus !== undefined) throw new Error('--strong memory decides in one process only; with several nodes (--bus) use postgres or jetstream')
      return 'memory'
    case 'off':
      return 'off'
    default:
      throw new Error(`--strong / WEFT_STRONG: expected auto, postgres, jetstream, memory or off, got "${asked}"`)
  }
}

/** `--shard id=postgres://…` (repeated) or `WEFT_SHARDS=a=url,b=url`; needs `--store` for the shard map. */
export function parseShards(specs: readonly string[], store: string | undefined): Record<string, string> | undefined {
  const items = specs.map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0) return undefined
  const shards: Record<string, string> = {}
  for (const item of items) {
    const eq = item.indexOf('=')
    const id = item.slice(0, eq)
    const url = item.slice(eq + 1)
    const shown = item.replace(/:[^:@/]*@/, ':***@')
    if (eq <= 0 || !/^[a-z0-9_-]{1,32}$/.test(id))
      throw new Error(`--shard / WEFT_SHARDS: expected id=postgres://… with an id of a-z, 0-9, _ or -, got "${shown}"`)
    if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`--shard ${id}: expected a postgres:// URL, got "${shown.slice(eq + 1)}"`)
    if (shards[id] !== undefined) throw new Error(`--shard: "${id}" is given twice; each shard needs its own id`)
    shards[id] = url
  }
  if (store === undefined)
    throw new Error('--shard needs --store postgres://… too: that database holds the shard map and the moves log (it may be one of the shards)')
  return shards
}
