import { timingSafeEqual } from 'node:crypto'
import { vvCovers, vvEquals } from '@weft/crdt-core'
import type { Context, Hono } from 'hono'
import { isAuthError } from '../auth/auth.js'
import type { Authenticate, Authorize } from '../auth/auth.js'
import { vvFromJson, vvToJson } from '../store/dot-ranges.js'
import type { Store } from '../store/store.js'
import type { DocDigests } from './doc-digests.js'
import type { HeadsTokens } from './heads-tokens.js'
import { headsStream } from './heads-stream-route.js'
import type { RecentImports } from './recent-imports.js'
import type { PeerLinks, PeerRequestKind } from './peer-client.js'
import type { HeadsReader, RegionHead } from './region-heads.js'
import { isFreshnessLevel, isRegionLevel } from './level-rules.js'
import type { RegionLevels } from './region-levels.js'
import type { ReceiptLog } from './level-receipts.js'
import { encodeSinceAnswer } from './region-wire.js'
import type { Residency } from './residency.js'

/** What the region routes need from the server. */
export interface RegionRoutesDeps {
  readonly secret: string
  /** This region's name. */
  readonly self: string
  /** Docs pinned to regions: never sent to a region outside their set ([RESIDENCY-2]). */
  readonly residency: Residency
  readonly store: Store
  readonly heads: HeadsReader
  readonly tokens: HeadsTokens
  readonly levels: RegionLevels
  /** Where a reached level's receipt is kept ([AUDIT-9]). */
  readonly receipts: ReceiptLog
  readonly onReceiptError: (error: unknown) => void
  readonly auth: { readonly authenticate: Authenticate; readonly authorize: Authorize }
  readonly headsCheckMs: number
  readonly digests: DocDigests
  readonly imports: RecentImports
  /** Bytes sent to peers, for the cross-region bytes figure. */
  readonly countOut: (kind: PeerRequestKind, n: number) => void
  /** This region's links to its peers (`/regions/status`, for the dashboards of other regions). */
  readonly links: () => PeerLinks
}

/**
 * `/regions/*` on every node of a region. Peer routes (`heads`, `since`,
 * `head`) take only the shared peer secret ([REGION-4]: never an open door);
 * `level` and `fresh` take the peer secret or a client's own token with read
 * access to the doc, since a client asks them about its own writes.
 */
export function mountRegionRoutes(app: Hono, d: RegionRoutesDeps): void {
  const secret = Buffer.from(d.secret)
  const isPeer = (c: Context): boolean => {
    const given = Buffer.from((c.req.header('authorization') ?? '').replace(/^Bearer /, ''))
    return given.length === secret.length && timingSafeEqual(given, secret)
  }
  const mayRead = async (c: Context, doc: string): Promise<boolean> => {
    if (isPeer(c)) return true
    const token = (c.req.header('authorization') ?? '').replace(/^Bearer /, '')
    try {
      return d.auth.authorize(await d.auth.authenticate(token === '' ? undefined : token), doc, 'read')
    } catch (error) {
      if (isAuthError(error)) return false
      throw error
    }
  }
  // Every open long poll (one per peer) shares one read of the heads per interval.
  let cached: { at: number; heads: Promise<Map<string, RegionHead>> } | undefined
  const heads = (): Promise<Map<string, RegionHead>> => {
    if (!cached || Date.now() - cached.at >= d.headsCheckMs) cached = { at: Date.now(), heads: d.heads() }
    return cached.heads
  }
  const digestOf = (doc: string) => d.digests.digest(doc)
  const refused = (c: Context) => c.text('region routes need the peer secret (--peer-secret) or a token with read access', 401)
  const asker = (c: Context) => c.req.header('x-weft-region') ?? ''
  // [RESIDENCY-2] A peer outside a doc's regions gets nothing of it (bytes, heads, digests): 403 with the refusal.
  const pinnedAway = (c: Context, doc: string) => {
    const r = d.residency.refusal(doc, asker(c))
    return r && c.json(r, 403)
  }
  // [RESIDENCY-3] A client asking this region about a doc pinned elsewhere: 421, and where to go instead.
  const notHere = (c: Context, doc: string) => {
    const r = d.residency.refusal(doc, d.self)
    return r && c.json(r, 421)
  }
  const headsFor = (region: string) =>
    d.residency.empty ? heads : async () => new Map([...(await heads())].filter(([doc]) => d.residency.allows(doc, region)))

  // A stream of head moves ([REGION-1]): a frame per check that saw heads move, deflated, flushed per frame.
  app.get('/regions/heads', (c) => {
    if (!isPeer(c)) return refused(c)
    const waitMs = Math.min(60_000, Number(c.req.query('waitMs') ?? 0) || 0)
    const told = d.tokens.recall(c.req.query('since'))
    const stream = headsStream({
      asker: asker(c),
      told,
      waitMs,
      heads: headsFor(asker(c)),
      checkMs: d.headsCheckMs,
      store: d.store,
      imports: d.imports,
      remember: (h) => d.tokens.remember(h),
      countOut: (n) => d.countOut('heads', n),
    })
    return c.body(stream, 200, { 'content-type': 'application/vnd.weft.heads-stream', 'cache-control': 'no-store' })
  })

  app.get('/regions/status', (c) => (isPeer(c) ? c.json(d.links()) : refused(c)))

  app.get('/regions/since', async (c) => {
    if (!isPeer(c)) return refused(c)
    const doc = c.req.query('doc')
    if (doc === undefined) return c.text('doc is required', 400)
    const away = pinnedAway(c, doc)
    if (away) return away
    const vv = vvFromJson(c.req.query('vv') ?? '{}')
    const { snapshot, deltas } = await d.store.readSince(doc, vv)
    const headSeq = Math.max(snapshot?.seq ?? 0, deltas.at(-1)?.seq ?? 0)
    const body = encodeSinceAnswer({ snapshot: snapshot?.bytes, deltas: deltas.map((x) => x.bytes), headSeq })
    d.countOut('since', body.length)
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/octet-stream' })
  })

  app.get('/regions/head', async (c) => {
    if (!isPeer(c)) return refused(c)
    const doc = c.req.query('doc')
    if (doc === undefined) return c.text('doc is required', 400)
    const away = pinnedAway(c, doc)
    if (away) return away
    // With `covers`, wait (bounded) until this region's durable head covers it: one request per level check.
    const covers = c.req.query('covers')
    const want = covers === undefined ? undefined : vvFromJson(covers)
    const deadline = Date.now() + Math.min(30_000, Number(c.req.query('waitMs') ?? 0) || 0)
    let h = await d.store.head(doc)
    while (want && !vvCovers(h.vv, want) && Date.now() < deadline && !c.req.raw.signal.aborted) {
      await new Promise((r) => setTimeout(r, d.headsCheckMs))
      h = await d.store.head(doc)
    }
    const body = JSON.stringify({ seq: h.seq, vv: vvToJson(h.vv) })
    d.countOut('head', Buffer.byteLength(body))
    return c.body(body, 200, { 'content-type': 'application/json' })
  })

  // Stored digests of the docs a peer found at equal version vectors ([REGION-5]); a doc that moved since is left out.
  app.post('/regions/digests', async (c) => {
    if (!isPeer(c)) return refused(c)
    const asked = ((await c.req.json().catch(() => ({}))) as { docs?: unknown }).docs
    if (!Array.isArray(asked) || asked.length > 10_000) return c.text('expected {"docs": [[doc, vv], ...]} (at most 10,000)', 400)
    const out: [string, number, string, string][] = []
    const from = asker(c)
    for (const [doc, vv] of asked as [string, string][]) {
      if (typeof doc !== 'string' || typeof vv !== 'string') return c.text('expected {"docs": [[doc, vv], ...]}', 400)
      if (!d.residency.allows(doc, from)) continue
      const stored = await digestOf(doc)
      if (vvEquals(stored.vv, vvFromJson(vv))) out.push([doc, stored.seq, vvToJson(stored.vv), stored.digest])
    }
    const body = JSON.stringify({ digests: out })
    d.countOut('digests', Buffer.byteLength(body))
    return c.body(body, 200, { 'content-type': 'application/json' })
  })

  app.get('/regions/state', async (c) => {
    if (!isPeer(c)) return refused(c)
    const doc = c.req.query('doc')
    if (doc === undefined) return c.text('doc is required', 400)
    const away = pinnedAway(c, doc)
    if (away) return away
    const body = await d.digests.state(doc)
    d.countOut('state', body.length)
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/octet-stream' })
  })

  // A write's level: how many regions hold everything `vv` names, durably ([LEVEL-1]).
  app.get('/regions/level', async (c) => {
    const doc = c.req.query('doc')
    const level = c.req.query('level') ?? ''
    if (doc === undefined || !isRegionLevel(level)) return c.text('expected doc and level=quorum|all-regions', 400)
    const elsewhere = notHere(c, doc)
    if (elsewhere) return elsewhere
    if (!(await mayRead(c, doc))) return refused(c)
    const vv = vvFromJson(c.req.query('vv') ?? '{}')
    const timeoutMs = Math.min(120_000, Number(c.req.query('timeoutMs') ?? 10_000) || 10_000)
    const answer = await d.levels.waitForLevel(doc, vv, level, timeoutMs, c.req.raw.signal)
    // Before the answer goes out: every ack at a level has its receipt for the audit to check ([AUDIT-9]).
    if (answer.reached) {
      await d.receipts
        .record({ doc, vv, level, regions: answer.regions, needed: answer.needed, at: Date.now() })
        .catch((error: unknown) => d.onReceiptError(error))
    }
    return c.json(answer)
  })

  // A read's freshness: this region holds what `level` asks for, pulled from peers first when it lacks it ([FRESH-1]).
  app.get('/regions/fresh', async (c) => {
    const doc = c.req.query('doc')
    const level = c.req.query('level') ?? 'session'
    if (doc === undefined || !isFreshnessLevel(level)) return c.text('expected doc and level=session|quorum|all-regions', 400)
    const elsewhere = notHere(c, doc)
    if (elsewhere) return elsewhere
    if (!(await mayRead(c, doc))) return refused(c)
    const vv = vvFromJson(c.req.query('vv') ?? '{}')
    const timeoutMs = Math.min(120_000, Number(c.req.query('timeoutMs') ?? 10_000) || 10_000)
    return c.json(await d.levels.waitFresh(doc, vv, level, timeoutMs, c.req.raw.signal))
  })
}
