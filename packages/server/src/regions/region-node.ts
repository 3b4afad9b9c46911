import type { Hono } from 'hono'
import type { Logger } from 'pino'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Authenticate, Authorize } from '../auth/auth.js'
import type { Store } from '../store/store.js'
import { DocDigests } from './doc-digests.js'
import { HeadsTokens } from './heads-tokens.js'
import { RecentImports } from './recent-imports.js'
import { PeerClient } from './peer-client.js'
import { type BridgeStatus, RegionBridge } from './region-bridge.js'
import { openRegionCursors } from './region-cursors.js'
import { headsReader } from './region-heads.js'
import { type OnImported, RegionImporter } from './region-importer.js'
import { RegionLevels } from './region-levels.js'
import { type ReceiptLog, openReceiptLog } from './level-receipts.js'
import type { RegionOptions } from './region-options.js'
import { mountRegionRoutes } from './region-routes.js'
import { Residency } from './residency.js'

/** One region in the dashboard: reachable from this node, and its links as it sees them. */
export interface RegionView {
  readonly region: string
  readonly self: boolean
  readonly reachable: boolean
  readonly links: readonly BridgeStatus[] | undefined
  readonly error?: string
}

/** A region node: its bridges to every peer, and the routes peers and clients call. */
export interface RegionNode {
  readonly name: string
  /** Every peer link as this region sees it: reachable, and how far behind it may be. */
  status(): readonly BridgeStatus[]
  /**
   * Every region's links as the dashboard shows them: this region's own, and
   * each peer's as it reports them (unreachable from here: `links` undefined).
   */
  regionsView(): Promise<readonly RegionView[]>
  /** Appends what a peer (or an audit's re-send) holds that this region lacks, idempotently by dots ([REGION-2]). */
  readonly importer: RegionImporter
  /** Receipts of the writes this region acknowledged at a level ([AUDIT-9]). */
  readonly receipts: ReceiptLog
  /** Which docs this region may hold ([RESIDENCY-1]); clients are refused the others ([RESIDENCY-3]). */
  readonly residency: Residency
  /** Adds `/regions/*` to the server's HTTP app. */
  mount(app: Hono): void
  /** Starts pulling from the peers. */
  start(): void
  close(): Promise<void>
}

/**
 * Wires one server node into multi-region replication ([REGION-1]..[REGION-4],
 * [LEVEL-1], [FRESH-1]).
 *
 * @example
 * ```ts
 * const region = await openRegionNode({ options: { name: 'eu', peers: [{ name: 'us', url: 'http://us:8787' }], secret }, store, ... })
 * ```
 */
export async function openRegionNode(d: {
  readonly options: RegionOptions
  readonly store: Store
  readonly registry: Registry
  readonly logger: Logger
  readonly auth: { readonly authenticate: Authenticate; readonly authorize: Authorize }
  readonly onImported: OnImported
}): Promise<RegionNode> {
  const o = d.options
  if (o.peers.length > 0 && o.secret.length < 16) {
    throw new Error('--peer-secret / WEFT_PEER_SECRET: regions need a shared secret of at least 16 characters (e.g. openssl rand -hex 32)')
  }
  const logger = d.logger.child({ region: o.name })
  const residency = new Residency(o.residency)
  residency.check([o.name, ...o.peers.map((p) => p.name)])
  const imported = new Counter({ name: 'weft_region_imported_total', help: 'Deltas appended from peer regions', labelNames: ['peer'], registers: [d.registry] })
  const failures = new Counter({
    name: 'weft_region_peer_failures_total',
    help: 'Failed requests to peer regions',
    labelNames: ['peer'],
    registers: [d.registry],
  })
  const heals = new Counter({
    name: 'weft_region_peer_heals_total',
    help: 'Peer regions reachable again after a failure',
    labelNames: ['peer'],
    registers: [d.registry],
  })
  const bytesIn = new Counter({
    name: 'weft_region_bytes_in_total',
    help: 'Bytes received from peer regions',
    labelNames: ['peer', 'kind'],
    registers: [d.registry],
  })
  const divergences = new Counter({
    name: 'weft_region_divergence_total',
    help: "Docs found with a version vector equal to a peer region's and a different stored digest (alarm: should stay 0)",
    labelNames: ['peer'],
    registers: [d.registry],
  })
  const divergenceHeals = new Counter({
    name: 'weft_region_divergence_healed_total',
    help: 'Divergences healed by a full state exchange (changed: this region joined something it lacked)',
    labelNames: ['peer', 'changed'],
    registers: [d.registry],
  })
  const bytesOut = new Counter({ name: 'weft_region_bytes_out_total', help: 'Bytes sent to peer regions', labelNames: ['kind'], registers: [d.registry] })
  // Read at scrape time from the bridges (declared below; collect runs only after they exist).
  new Gauge({
    name: 'weft_region_lag_seconds',
    help: "How long this region may have been missing a peer region's writes (0 while its heads stream delivers frames)",
    labelNames: ['peer'],
    registers: [d.registry],
    collect() {
      for (const s of bridges) {
        const st = s.status()
        this.set({ peer: st.peer }, st.lagMs / 1000)
      }
    },
  })
  const cursors = await openRegionCursors(d.store)
  const receipts = await openReceiptLog(d.store, o.maxReceipts)
  const digests = new DocDigests(d.store)
  const recent = new RecentImports()
  const importer = new RegionImporter({ store: d.store, onImported: d.onImported, logger, recent })
  const count = (peer: string, kind: string, n: number) => bytesIn.inc({ peer, kind }, n)
  const peers = o.peers.map((p) => new PeerClient(p, { self: o.name, secret: o.secret, count }))
  const bridges = peers.map(
    (peer) =>
      new RegionBridge({
        peer,
        importer,
        cursors,
        logger,
        mayHold: (doc) => residency.allows(doc, o.name),
        longPollMs: o.longPollMs ?? 20_000,
        retryMs: o.retryMs ?? 250,
        antiEntropyMs: o.antiEntropyMs ?? 30_000,
        digests,
        digestDocsPerPass: o.digestDocsPerPass ?? 1_000,
        events: {
          diverged: (peer) => divergences.inc({ peer }),
          divergenceHealed: (peer, changed) => divergenceHeals.inc({ peer, changed: String(changed) }),
          imported: (peer, n) => imported.inc({ peer }, n),
          failed: (peer) => failures.inc({ peer }),
          healed: (peer) => heals.inc({ peer }),
        },
      }),
  )
  const levels = new RegionLevels({
    self: o.name,
    store: d.store,
    peers,
    residency,
    pullAll: async (doc) => {
      await Promise.allSettled(bridges.filter((b) => residency.allows(doc, b.peerName)).map((b) => b.pull(doc)))
    },
  })
  return {
    name: o.name,
    importer,
    receipts,
    residency,
    status: () => bridges.map((b) => b.status()),
    async regionsView() {
      const own: RegionView = { region: o.name, self: true, reachable: true, links: bridges.map((b) => b.status()) }
      const others = await Promise.all(
        peers.map(async (p): Promise<RegionView> => {
          try {
            const s = await p.status(AbortSignal.timeout(2_000))
            return { region: p.peer.name, self: false, reachable: true, links: s.links }
          } catch (error) {
            return { region: p.peer.name, self: false, reachable: false, links: undefined, error: error instanceof Error ? error.message : String(error) }
          }
        }),
      )
      return [own, ...others]
    },
    mount(app) {
      mountRegionRoutes(app, {
        secret: o.secret,
        self: o.name,
        residency,
        store: d.store,
        heads: headsReader(d.store),
        tokens: new HeadsTokens(),
        digests,
        imports: recent,
        levels,
        receipts,
        onReceiptError: (error) => logger.warn({ err: error }, 'could not record a level receipt (the ack stands; the audit will not see it)'),
        auth: d.auth,
        headsCheckMs: o.headsCheckMs ?? 25,
        countOut: (kind, n) => bytesOut.inc({ kind }, n),
        links: () => ({ region: o.name, links: bridges.map((b) => b.status()) }),
      })
    },
    start() {
      for (const b of bridges) b.start()
      logger.info({ peers: o.peers.map((p) => p.name) }, 'region peering started')
    },
    async close() {
      await Promise.all(bridges.map((b) => b.close()))
    },
  }
}
