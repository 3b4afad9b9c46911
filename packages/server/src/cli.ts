#!/usr/bin/env node
import { randomBytes } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { pino } from 'pino'
import { CLI_USAGE, parseCliArgs, type CliConfig } from './cli-args.js'
import { createServer } from './server.js'
import type { Logger } from 'pino'
import type { Bus } from './bus/bus.js'
import { redactUrl } from './redact-url.js'
import { ClusterOpenError, StoreOpenError, explainBusError, explainPostgresError, explainStartupError } from './startup-error.js'
import { MemoryStore } from './store/memory-store.js'
import { SqliteStore } from './store/sqlite-store.js'
import type { Store } from './store/store.js'
import { SqliteWorkerStore } from './store/sqlite-worker-store.js'
import { TOKEN_USAGE, runTokenCommand } from './token-command.js'
import type { StrongOps } from './strong/strong-ops.js'

/**
 * Runs a subcommand loaded on demand: its exit code becomes the process's
 * (exitCode, not exit(): a long report on a pipe is still being written);
 * a crash prints its stack and exits 2.
 */
function runSubcommand(name: string, run: () => Promise<number>): void {
  run().then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`weft-server ${name}: ${error instanceof Error ? error.stack : String(error)}\n`)
      process.exit(2)
    },
  )
}

function main(): void {
  // Subcommands first; without one the CLI runs the server.
  const [command, ...rest] = process.argv.slice(2)
  const { env, stdout, stderr } = process
  if (command === 'token') {
    runTokenCommand(rest, env, stdout).catch((error: unknown) => {
      stderr.write(`weft-server token: ${error instanceof Error ? error.message : String(error)}\n\n${TOKEN_USAGE}`)
      process.exit(2)
    })
    return
  }
  if (command === 'audit') {
    runSubcommand('audit', async () => (await import('./audit/audit-command.js')).runAuditCommand(rest, env, stdout, stderr))
    return
  }
  if (command === 'shards') {
    runSubcommand('shards', async () => (await import('./shards/shards-command.js')).runShardsCommand(rest, env, stdout, stderr))
    return
  }
  let config: CliConfig
  try {
    config = parseCliArgs(process.argv.slice(2), process.env)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${CLI_USAGE}`)
    process.exit(2)
  }
  if (config.help) {
    process.stdout.write(CLI_USAGE)
    return
  }
  start(config).catch((error: unknown) => {
    // A failure the user can fix (port taken, unusable database file) gets one line saying what to do; a bug keeps its stack.
    const explained = explainStartupError(error, config)
    process.stderr.write(`weft-server failed to start: ${explained ?? (error instanceof Error ? error.stack : String(error))}\n`)
    process.exit(1)
  })
}

async function start(config: CliConfig): Promise<void> {
  const logger = pino({ level: config.logLevel })
  const nodeId = config.nodeId ?? `node-${randomBytes(4).toString('hex')}`
  // A start that fails (port taken, bus unreachable) must leave no database file behind.
  const made = sqliteFilesToMake(config)
  const store = await openStore(config, logger).catch((error: unknown) => {
    removeFiles(made)
    throw error
  })
  let bus: Bus | undefined
  let strong: StrongOps | undefined
  try {
    bus = await openBus(config, nodeId, logger)
    strong = await openStrong(config, logger)
  } catch (error) {
    await bus?.close()
    await store.close()
    removeFiles(made)
    throw error
  }
  // createServer closes the store when it cannot listen.
  const server = await createServer({
    port: config.port,
    host: config.host,
    store,
    ...(bus && { bus }),
    nodeId,
    ...(config.nodeTtlMs !== undefined && { cluster: { nodeTtlMs: config.nodeTtlMs } }),
    logger,
    limits: config.limits,
    ...(config.jwtSecret !== undefined ? { jwtSecret: config.jwtSecret } : {}),
    ...(config.staticDir !== undefined ? { staticDir: config.staticDir } : {}),
    ...(config.compactionThreshold !== undefined ? { compactionThreshold: config.compactionThreshold } : {}),
    ...(config.compactionKeepTail !== undefined ? { compactionKeepTail: config.compactionKeepTail } : {}),
    ...(config.region !== undefined && {
      regions: { name: config.region, peers: config.peers, secret: config.peerSecret ?? '', antiEntropyMs: config.antiEntropyMs, residency: config.residency },
    }),
    ...(config.auditIntervalMs !== undefined && {
      audit: {
        intervalMs: config.auditIntervalMs,
        ...(config.auditDocsPerTick !== undefined && { docsPerTick: config.auditDocsPerTick }),
        // The cluster's bus is checked with the engine, once a minute [AUDIT-10].
        ...(config.bus !== undefined && { bus: { url: config.bus } }),
        ...(config.auditKeepFindings !== undefined && { keepClosedFindings: config.auditKeepFindings }),
        ...(config.auditFindingsMaxAgeDays !== undefined && { closedFindingsMaxAgeMs: config.auditFindingsMaxAgeDays * 24 * 3600 * 1000 }),
      },
    }),
    ...(config.adminToken !== undefined && { adminToken: config.adminToken }),
    ...(strong && { strong, strongDescription: config.strong }),
  }).catch((error: unknown) => {
    removeFiles(made)
    throw error
  })
  logger.info(
    {
      url: server.url,
      ws: server.wsUrl,
      node: server.node,
      store: config.store ? redactUrl(config.store) : config.db,
      ...(config.shards && { shards: Object.keys(config.shards) }),
      bus: bus?.description ?? 'none',
    },
    'ready',
  )

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    stopping = true
    logger.info({ signal }, 'shutting down: no new connections, flushing writes')
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

/** The SQLite file and its companions this start would create (those that do not exist yet). */
function sqliteFilesToMake(config: CliConfig): string[] {
  if (config.store !== undefined || config.db === ':memory:') return []
  return ['', '-wal', '-shm', '-journal'].map((suffix) => config.db + suffix).filter((file) => !existsSync(file))
}

function removeFiles(files: readonly string[]): void {
  for (const file of files) rmSync(file, { force: true })
}

/**
 * The configured store. SQLite commits (and their fsync) run on a worker thread, off the event
 * loop that serves sockets, unless `--sqlite-thread main`. A file that cannot be opened becomes a
 * `StoreOpenError` that says what to do.
 */
async function openStore(config: CliConfig, logger: Logger): Promise<Store> {
  if (config.store !== undefined && config.shards !== undefined) {
    const catalogUrl = config.store
    try {
      const { ShardedStore } = await import('./shards/sharded-store.js')
      return await ShardedStore.open({ catalogUrl, shards: config.shards, ...(config.storePool !== undefined && { poolSize: config.storePool }) })
    } catch (error) {
      throw new ClusterOpenError(explainPostgresError(error, Object.values(config.shards).concat(catalogUrl).map(redactUrl).join(', ')), error)
    }
  }
  if (config.store !== undefined) {
    const url = config.store
    try {
      // Loaded only when asked for: a SQLite server never loads pg.
      const { PostgresStore } = await import('./store/postgres-store.js')
      return await PostgresStore.open({
        url,
        ...(config.storePool !== undefined && { poolSize: config.storePool }),
        // A dropped idle connection is replaced by the pool; worth a line, never a crash.
        onConnectionError: (error) => logger.warn({ err: error }, 'a PostgreSQL connection was lost'),
      })
    } catch (error) {
      throw new ClusterOpenError(explainPostgresError(error, redactUrl(url)), error)
    }
  }
  if (config.db === ':memory:') return new MemoryStore()
  const sqlite = { path: config.db, synchronous: config.synchronous }
  try {
    return config.sqliteThread === 'main' ? new SqliteStore(sqlite) : await SqliteWorkerStore.open(sqlite)
  } catch (error) {
    throw new StoreOpenError(config.db, error)
  }
}

/**
 * The backend of clients' strong operations ([STRONG-6]): PostgreSQL in the
 * store's database, JetStream KV on the --strong-nats cluster, or memory for
 * one dev node. Loaded only when asked for.
 */
async function openStrong(config: CliConfig, logger: Logger): Promise<StrongOps | undefined> {
  try {
    switch (config.strong) {
      case 'postgres': {
        const { PgStrongOps } = await import('./strong/pg-strong-ops.js')
        return await PgStrongOps.open({ connectionString: config.store as string })
      }
      case 'jetstream': {
        const { JetStreamStrongOps } = await import('./strong/jetstream-strong-ops.js')
        return await JetStreamStrongOps.open({
          servers: config.strongNats,
          ...(config.strongBucket !== undefined && { bucket: config.strongBucket }),
          onWaiting: (reason) => logger.warn({ reason }, 'strong operations: waiting for the JetStream cluster'),
        })
      }
      case 'memory': {
        const { MemoryStrongOps } = await import('./strong/memory-strong-ops.js')
        return new MemoryStrongOps()
      }
      case 'off':
        return undefined
    }
  } catch (error) {
    throw new ClusterOpenError(
      `strong operations (--strong ${config.strong}) could not start: ${error instanceof Error ? error.message : String(error)}`,
      error,
    )
  }
}

/** The NATS bus when `--bus` is given; `WEFT_TEST_BUS_DROP` loses that share of incoming deltas on purpose (tests). */
async function openBus(config: CliConfig, node: string, logger: Logger): Promise<Bus | undefined> {
  if (config.bus === undefined) return undefined
  const drop = config.testBusDrop
  if (drop > 0) logger.warn({ share: drop }, 'TEST SWITCH: dropping incoming bus deltas on purpose')
  try {
    const { NatsBus } = await import('./bus/nats-bus.js')
    return await NatsBus.connect({
      url: config.bus,
      node,
      ...(config.busPrefix !== undefined && { prefix: config.busPrefix }),
      ...(drop > 0 && { dropIncoming: () => Math.random() < drop }),
      onBadMessage: (error) => logger.warn({ err: error }, 'undecodable bus message ignored'),
    })
  } catch (error) {
    throw new ClusterOpenError(explainBusError(error, redactUrl(config.bus)), error)
  }
}

main()
