import { timingSafeEqual } from 'node:crypto'
import type { Context, Hono } from 'hono'
import type { ContinuousAuditor } from '../audit/continuous-auditor.js'
import type { RegionView } from '../regions/region-node.js'
import { DASHBOARD_HTML } from './dashboard-page.js'

/** What the dashboard reads from the running node. */
export interface DashboardSource {
  /** Requests must bear it (`Authorization: Bearer …` or `?token=`). */
  readonly token: string
  readonly node: string
  /** The `/healthz` body. */
  readonly health: () => Promise<{ readonly ok: boolean } & Record<string, unknown>>
  readonly liveNodes: () => readonly string[]
  readonly auditor: ContinuousAuditor | undefined
  /** Every region's links and lag (absent outside regions). */
  readonly regions?: (() => Promise<readonly RegionView[]>) | undefined
}

/** One node as the dashboard shows it: up while in the registry's live set, down once it left it. */
interface NodeRow {
  id: string
  up: boolean
  since: string
}

/**
 * `/dashboard` (a page of plain HTML and JS, no build step) and its JSON:
 * `GET /dashboard/api/state` (nodes up and down, store and bus health, every
 * region's links with their lag, audit status and standing findings), `POST /dashboard/api/audit?doc=…` (audit
 * one doc now). Every route wants the admin token.
 */
export function mountDashboard(app: Hono, source: DashboardSource): void {
  // Nodes this node has seen, so one that left shows as down rather than vanishing.
  const nodes = new Map<string, NodeRow>()
  const refreshNodes = (): NodeRow[] => {
    const live = new Set(source.liveNodes())
    const now = new Date().toISOString()
    for (const id of live) {
      const row = nodes.get(id)
      if (!row?.up) nodes.set(id, { id, up: true, since: now })
    }
    for (const row of nodes.values()) if (row.up && !live.has(row.id)) nodes.set(row.id, { id: row.id, up: false, since: now })
    return [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id))
  }

  const authorized = (c: Context): boolean => {
    const header = c.req.header('authorization')
    const given = header?.startsWith('Bearer ') ? header.slice(7) : (c.req.query('token') ?? '')
    const a = Buffer.from(given)
    const b = Buffer.from(source.token)
    return a.length === b.length && timingSafeEqual(a, b)
  }
  const refuse = (c: Context) => c.text('dashboard: an admin token is required (Authorization: Bearer <token> or ?token=<token>)', 401)

  app.get('/dashboard', (c) => (authorized(c) ? c.html(DASHBOARD_HTML) : refuse(c)))
  app.get('/dashboard/api/state', async (c) => {
    if (!authorized(c)) return refuse(c)
    const [health, regions] = await Promise.all([source.health(), source.regions?.() ?? null])
    return c.json({ node: source.node, time: new Date().toISOString(), health, nodes: refreshNodes(), regions, audit: (await source.auditor?.status()) ?? null })
  })
  app.post('/dashboard/api/audit', async (c) => {
    if (!authorized(c)) return refuse(c)
    const doc = c.req.query('doc')
    if (!doc) return c.json({ error: 'doc is required: POST /dashboard/api/audit?doc=<id>' }, 400)
    if (!source.auditor) return c.json({ error: 'the auditor is off: start the server with --audit-interval-ms' }, 409)
    const audit = await source.auditor.auditNow(doc)
    if (!audit) return c.json({ error: 'the doc kept changing; try again' }, 503)
    return c.json({
      doc,
      headSeq: audit.headSeq,
      digest: audit.digest,
      findings: audit.findings.map(({ repair, ...f }) => ({ ...f, repairable: repair !== undefined })),
    })
  })
}
