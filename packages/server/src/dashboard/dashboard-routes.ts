import { timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Context, Hono } from 'hono'
import type { ContinuousAuditor } from '../audit/continuous-auditor.js'
import type { RegionView } from '../regions/region-node.js'
import { findDashboardDir, readAsset } from './dashboard-assets.js'
import type { DashboardAuditAnswer, DashboardHealth, DashboardNode, DashboardRepairAnswer, DashboardState } from './dashboard-wire.js'

/** What the dashboard reads from the running node. */
export interface DashboardSource {
  /** Requests must bear it (`Authorization: Bearer …` or `?token=`). */
  readonly token: string
  readonly node: string
  /** The `/healthz` body. */
  readonly health: () => Promise<DashboardHealth & Record<string, unknown>>
  readonly liveNodes: () => readonly string[]
  /** Another node's counts as it last reported them to the registry. */
  readonly reportOf?: ((node: string) => { readonly docs: number; readonly connections: number; readonly at: string } | undefined) | undefined
  readonly auditor: ContinuousAuditor | undefined
  /** Every region's links and lag (absent outside regions). */
  readonly regions?: (() => Promise<readonly RegionView[]>) | undefined
  /** The app's build (default: {@link findDashboardDir}). */
  readonly appDir?: string | undefined
}

type NodeRow = Pick<DashboardNode, 'id' | 'up' | 'since'>

/**
 * `/admin` (the dashboard app, React + Vite, built with the package into
 * `dist/dashboard`) and its JSON:
 * `GET /admin/api/state` (nodes up and down, store and bus health, every
 * region's links with their lag, audit status, standing findings and recent
 * findings and repairs, read from the store [AUDIT-5]), `POST /admin/api/audit?doc=…` (audit
 * one doc now), `POST /admin/api/repair?doc=…` (audit and repair one doc).
 * `/dashboard` (its first path) redirects to `/admin`. Every route wants the admin token.
 */
export function mountDashboard(app: Hono, source: DashboardSource): void {
  // Nodes this node has seen, so one that left shows as down rather than vanishing.
  const nodes = new Map<string, NodeRow>()
  const refreshNodes = (health: { readonly docsLoaded: number; readonly connections: number }): DashboardNode[] => {
    const live = new Set(source.liveNodes())
    const now = new Date().toISOString()
    for (const id of live) {
      const row = nodes.get(id)
      if (!row?.up) nodes.set(id, { id, up: true, since: now })
    }
    for (const row of nodes.values()) if (row.up && !live.has(row.id)) nodes.set(row.id, { id: row.id, up: false, since: now })
    return [...nodes.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((row) => {
        // This node's counts are live; the others' come with their registry renewals (a third of the TTL old at most).
        const counted =
          row.id === source.node ? { docs: health.docsLoaded, connections: health.connections, at: now } : row.up ? source.reportOf?.(row.id) : undefined
        return { ...row, docs: counted?.docs, connections: counted?.connections, countedAt: counted?.at }
      })
  }

  const authorized = (c: Context): boolean => {
    const header = c.req.header('authorization')
    const given = header?.startsWith('Bearer ') ? header.slice(7) : (c.req.query('token') ?? '')
    const a = Buffer.from(given)
    const b = Buffer.from(source.token)
    return a.length === b.length && timingSafeEqual(a, b)
  }
  const refuse = (c: Context) => c.text('dashboard: an admin token is required (Authorization: Bearer <token> or ?token=<token>)', 401)

  const appDir = source.appDir ?? findDashboardDir()
  app.get('/admin', async (c) => {
    if (!authorized(c)) return refuse(c)
    if (appDir === undefined) {
      return c.text('dashboard: the app is not built (dist/dashboard is missing): run `pnpm --filter @weft/server build`, then restart', 503)
    }
    return c.html(await readFile(join(appDir, 'index.html'), 'utf8'))
  })
  // The app's scripts and styles need no token: they hold no data (the same files ship in the npm package),
  // and a <script src> cannot carry one. Their names hold a hash of their content, so they may be cached for good.
  app.get('/admin/assets/:name', async (c) => {
    const asset = appDir === undefined ? undefined : await readAsset(appDir, c.req.param('name'))
    if (!asset) return c.text('not found', 404)
    return c.body(new Uint8Array(asset.body), 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable' })
  })
  // The first path of the page: links and bookmarks to it still work (the query keeps the token).
  app.get('/dashboard', (c) => c.redirect(`/admin${new URL(c.req.url).search}`, 301))
  app.get('/admin/api/state', async (c) => {
    if (!authorized(c)) return refuse(c)
    const [health, regions] = await Promise.all([source.health(), source.regions?.() ?? null])
    return c.json({
      node: source.node,
      time: new Date().toISOString(),
      health,
      nodes: refreshNodes(health),
      regions,
      audit: (await source.auditor?.status()) ?? null,
    } satisfies DashboardState)
  })
  app.post('/admin/api/audit', async (c) => {
    if (!authorized(c)) return refuse(c)
    const doc = c.req.query('doc')
    if (!doc) return c.json({ error: 'doc is required: POST /admin/api/audit?doc=<id>' }, 400)
    if (!source.auditor) return c.json({ error: 'the auditor is off: start the server with --audit-interval-ms' }, 409)
    const audit = await source.auditor.auditNow(doc)
    if (!audit) return c.json({ error: 'the doc kept changing; try again' }, 503)
    return c.json({
      doc,
      headSeq: audit.headSeq,
      digest: audit.digest,
      findings: audit.findings.map(({ repair, ...f }) => ({ ...f, repairable: repair !== undefined })),
    } satisfies DashboardAuditAnswer)
  })
  app.post('/admin/api/repair', async (c) => {
    if (!authorized(c)) return refuse(c)
    const doc = c.req.query('doc')
    if (!doc) return c.json({ error: 'doc is required: POST /admin/api/repair?doc=<id>' }, 400)
    if (!source.auditor) return c.json({ error: 'the auditor is off: start the server with --audit-interval-ms' }, 409)
    if (!source.auditor.canRepair) return c.json({ error: 'this store cannot be repaired from the server: run weft-server audit --repair on it' }, 409)
    const done = await source.auditor.repairNow(doc)
    if (!done) return c.json({ error: 'the doc kept changing; try again' }, 503)
    return c.json({
      doc,
      repairs: done.outcomes,
      findings: done.after.findings.map(({ repair, ...f }) => ({ ...f, repairable: repair !== undefined })),
    } satisfies DashboardRepairAnswer)
  })
}
