import type { Hono } from 'hono'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { createAdaptorServer } from '@hono/node-server'
import { pino, type Logger } from 'pino'
import { WebSocketServer, type WebSocket } from 'ws'
import { type Limits, resolveLimits } from './limits/limits.js'
import { createHttpApp } from './http/http-app.js'
import { createMetrics, type ServerMetrics } from './metrics/metrics.js'
import { CloseCode } from './connection/close-codes.js'
import { SocketShell } from './connection/socket-shell.js'
import { resolveAuth } from './resolve-auth.js'
import { StoreProbe } from './http/store-probe.js'
import type { ServerOptions } from './server-options.js'
import { MemoryStore } from './store/memory-store.js'
import { SqliteStore } from './store/sqlite-store.js'
import { SqliteWorkerStore } from './store/sqlite-worker-store.js'
import type { Store } from './store/store.js'
import { SyncService, type ClusterDeps } from './sync/sync-service.js'
import type { Bus } from './bus/bus.js'
import { DocOwnership } from './cluster/doc-ownership.js'
import { type NodeRegistry, PostgresNodeRegistry, SingleNodeRegistry } from './cluster/node-registry.js'
import type { PostgresStore } from './store/postgres-store.js'
import { openRegionNode } from './regions/region-node.js'
import { Residency } from './regions/residency.js'
import { residentAuthorize } from './regions/resident-auth.js'
import { createAuditMetrics } from './audit/audit-metrics.js'
import { ContinuousAuditor } from './audit/continuous-auditor.js'
import { mountDashboard } from './dashboard/dashboard-routes.js'
import { mountReplicaRoutes } from './audit/replica-routes.js'
import { postgresRepairBackend } from './audit/repair.js'
import { RegionImporter } from './regions/region-importer.js'

/** A running server. */
export interface WeftServer {
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number
  readonly host: string
  /** `http://host:port` */
  readonly url: string
  /** `ws://host:port/sync`, the WebSocket endpoint. */
  readonly wsUrl: string
  readonly metrics: ServerMetrics
  readonly store: Store
  readonly limits: Limits
  /** This node's id (random unless given). */
  readonly node: string
  /** Live nodes in this node's view (just this one without a bus). */
  liveNodes(): readonly string[]
  /** Ids of the docs in memory. */
  loadedDocs(): readonly string[]
  /** The background auditor, when `audit` was given. */
  readonly auditor: ContinuousAuditor | undefined
  /** Waits until no re-read of a doc from the store is pending (tests). */
  relaySettled(): Promise<void>
  /** Stops accepting, closes sockets (1001), waits for in-flight writes, closes the store (the server owns it). Idempotent. */
  close(): Promise<void>
}

/** Paths that accept the WebSocket upgrade. */
const WS_PATHS = new Set(['/sync', '/'])

/**
 * Starts a Weft sync server: HTTP (`/healthz`, `/metrics`, demo files) and
 * the sync WebSocket on one port.
 *
 * @example
 * ```ts
 * const server = await createServer({ port: 8787, dbPath: './weft.db', jwtSecret: process.env.WEFT_JWT_SECRET })
 * // ... later
 * await server.close()
 * ```
 */
export async function createServer(options: ServerOptions = {}): Promise<WeftServer> {
  const logger: Logger = options.logger ?? pino({ level: options.logLevel ?? 'info' })
  const limits = resolveLimits(options.limits)
  const metrics = createMetrics()
  const store: Store = options.store ?? (options.dbPath !== undefined ? await SqliteWorkerStore.open({ path: options.dbPath }) : new MemoryStore())
  if (store instanceof SqliteStore || store instanceof SqliteWorkerStore || isPostgresStore(store)) {
    store.onBatch = (n) => metrics.storeBatchSize.observe(n)
  }
  const node = options.nodeId ?? `node-${randomBytes(4).toString('hex')}`
  const bus = options.bus
  // Read at each registry renewal, so every node's dashboard shows every node's counts; set once sockets and sync exist.
  let counts = () => ({ docs: 0, connections: 0 })
  const registry = bus ? (options.registry ?? defaultRegistry(store, node, options, () => counts())) : new SingleNodeRegistry(node)
  const cluster = bus && (await startCluster({ store, bus, registry, node, metrics, logger, options }))
  const auth = resolveAuth(options, logger)
  // [RESIDENCY-3] Docs pinned to other regions are refused here, with where to go instead.
  const syncAuth = options.regions ? { ...auth, ...residentAuthorize(auth.authorize, new Residency(options.regions.residency), options.regions.name) } : auth
  const sync = new SyncService({
    store,
    auth: syncAuth,
    limits,
    metrics,
    logger,
    cluster,
    compactionThreshold: options.compactionThreshold,
    compactionKeepTail: options.compactionKeepTail,
    strong: options.strong,
  })
  const region =
    options.regions &&
    (await openRegionNode({
      options: options.regions,
      store,
      registry: metrics.registry,
      logger,
      auth,
      onImported: (doc, seq, delta) => sync.imported(doc, seq, delta),
    }))
  const sockets = new Set<WebSocket>()
  counts = () => ({ docs: sync.docsLoaded(), connections: sockets.size })
  const auditor =
    options.audit &&
    new ContinuousAuditor(store, createAuditMetrics(metrics.registry), logger, {
      node,
      // The dashboard's repair writes through the store's own pool; a SQLite file is repaired with `weft-server audit --repair`.
      repairBackend: isPostgresStore(store) ? postgresRepairBackend(store.pool) : undefined,
      ...options.audit,
    })
  auditor?.start()
  const gauges = setInterval(() => {
    metrics.clusterNodes.set(registry.live().length)
    metrics.busConnected.set(bus?.connected === false ? 0 : 1)
    if (cluster?.ownership) metrics.ownedDocs.set(sync.loadedDocs().filter((d) => cluster.ownership?.owns(d)).length)
  }, 1000)
  gauges.unref()

  // Probed in the background: a /healthz answer never waits behind a commit's fsync.
  const storeProbe = new StoreProbe({ check: () => store.head('') })
  const health = async () => {
    const { ok: storeOk, latencyMs } = storeProbe.status()
    const busOk = bus?.connected ?? true
    return {
      ok: storeOk && busOk,
      node,
      store: { kind: storeKind(store), ...(isPostgresStore(store) && { url: store.description }), ok: storeOk, latencyMs },
      bus: { kind: bus ? bus.description : 'none (one node)', ok: busOk },
      nodes: registry.live().length,
      connections: sockets.size,
      docsLoaded: sync.docsLoaded(),
    }
  }
  // The audit's replica routes open to the admin token or the regions' peer secret, never without one.
  const auditCredentials = [options.adminToken ?? '', options.regions?.secret ?? ''].filter((c) => c !== '')
  const mountReplicas = (hono: Hono) =>
    mountReplicaRoutes(hono, {
      credentials: auditCredentials,
      node,
      region: region?.name,
      store,
      importer: region?.importer ?? new RegionImporter({ store, logger, onImported: (doc, seq, delta) => sync.imported(doc, seq, delta) }),
      peers: () => region?.status() ?? [],
      receipts: region?.receipts,
      residency: region?.residency,
    })
  const app = createHttpApp({
    registry: metrics.registry,
    staticDir: options.staticDir,
    health,
    routes: [
      ...(region ? [(hono: Hono) => region.mount(hono)] : []),
      ...(auditCredentials.length > 0 ? [mountReplicas] : []),
      ...(options.adminToken !== undefined
        ? [
            (hono: Hono) =>
              mountDashboard(hono, {
                token: options.adminToken as string,
                node,
                health,
                liveNodes: () => registry.live(),
                reportOf: (id) => registry.reportOf?.(id),
                auditor,
                regions: region ? () => region.regionsView() : undefined,
              }),
          ]
        : []),
    ],
  })
  const http = createAdaptorServer({ fetch: app.fetch }) as Server
  // ws directly (not @hono/node-ws) so maxPayload really applies to every frame.
  // clientTracking off: `sockets` already tracks them (ws would add a Set entry and a close listener per socket).
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false })
  let closing = false

  const shellOptions = {
    limits,
    metrics,
    logger,
    onSocketClosed: (ws: WebSocket) => {
      sockets.delete(ws)
      metrics.connections.set(sockets.size)
    },
  }
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (closing || !WS_PATHS.has(path)) {
      socket.end(closing ? 'HTTP/1.1 503 Service Unavailable\r\n\r\n' : 'HTTP/1.1 404 Not Found\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      metrics.connections.set(sockets.size)
      metrics.connectionsTotal.inc()
      const shell = new SocketShell(ws, socket, shellOptions)
      shell.attach(sync.frames, sync.accept(shell))
    })
  })

  const host = options.host ?? '127.0.0.1'
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(options.port ?? 8787, host, () => {
        http.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    // e.g. EADDRINUSE: release what was opened so the caller can retry.
    clearInterval(gauges)
    storeProbe.stop()
    await auditor?.stop()
    await sync.close()
    await options.strong?.close()
    await registry.stop()
    await bus?.close()
    await store.close()
    throw error
  }
  const address = http.address()
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8787)
  const urlHost = host.includes(':') ? `[${host}]` : host
  logger.info(
    { host, port, node, store: storeKind(store), bus: bus?.description ?? 'none', strong: options.strongDescription ?? (options.strong ? 'custom' : 'none') },
    'weft server listening',
  )
  region?.start()

  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true
      const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()))
      for (const ws of sockets) ws.close(CloseCode.goingAway, 'server shutting down')
      clearInterval(gauges)
      storeProbe.stop()
      await region?.close()
      await auditor?.stop()
      await sync.close()
      await options.strong?.close()
      // Leave the registry first, so the others take this node's docs without waiting for its TTL.
      await registry.stop()
      await bus?.close()
      await store.close()
      // Sockets that ignore the close handshake must not hold shutdown.
      const deadline = setTimeout(() => {
        for (const ws of sockets) ws.terminate()
        http.closeAllConnections()
      }, 1_000)
      wss.close()
      http.closeIdleConnections()
      await httpClosed
      clearTimeout(deadline)
      logger.info('weft server closed')
    })()
    return closed
  }

  return {
    port,
    host,
    url: `http://${urlHost}:${port}`,
    wsUrl: `ws://${urlHost}:${port}/sync`,
    metrics,
    store,
    limits,
    node,
    liveNodes: () => registry.live(),
    loadedDocs: () => sync.loadedDocs(),
    relaySettled: () => sync.relaySettled(),
    auditor: auditor || undefined,
    close,
  }
}

/**
 * Told apart by shape, not `instanceof`: importing the PostgreSQL store here
 * would load `pg` into every server, SQLite ones included (slower starts).
 */
function isPostgresStore(store: Store): store is PostgresStore {
  return 'pool' in store && 'description' in store && 'onBatch' in store
}

function storeKind(store: Store): string {
  if (isPostgresStore(store)) return 'postgres'
  if (store instanceof SqliteStore || store instanceof SqliteWorkerStore) return 'sqlite'
  if (store instanceof MemoryStore) return 'memory'
  return store.constructor.name
}

function defaultRegistry(
  store: Store,
  node: string,
  options: ServerOptions,
  counts: () => { readonly docs: number; readonly connections: number },
): NodeRegistry {
  if (!isPostgresStore(store)) return new SingleNodeRegistry(node)
  return new PostgresNodeRegistry({
    pool: store.pool,
    node,
    ttlMs: options.cluster?.nodeTtlMs ?? 10_000,
    info: { pid: process.pid },
    report: () => counts(),
  })
}

/** Registers this node and wires ownership; the registry's failures are logged, never fatal after start. */
async function startCluster(o: {
  store: Store
  bus: Bus
  registry: NodeRegistry
  node: string
  metrics: ServerMetrics
  logger: Logger
  options: ServerOptions
}): Promise<ClusterDeps> {
  const t = o.options.cluster ?? {}
  await o.registry.start()
  let last = ''
  o.registry.onChange((live) => {
    const key = live.join(',')
    if (key !== last) o.logger.info({ nodes: live }, 'live nodes changed')
    last = key
  })
  return {
    node: o.node,
    bus: o.bus,
    ownership: new DocOwnership({ registry: o.registry, store: o.store, leaseTtlMs: t.leaseTtlMs ?? t.nodeTtlMs ?? 10_000, metrics: o.metrics }),
    gapGraceMs: t.gapGraceMs,
    beatMs: t.beatMs,
    sweepMs: t.sweepMs,
  }
}
