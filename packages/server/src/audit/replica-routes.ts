import { timingSafeEqual } from 'node:crypto'
import { type Doc, vvEquals } from '@weft/crdt-core'
import type { Context, Hono } from 'hono'
import type { BridgeStatus } from '../regions/region-bridge.js'
import type { RegionImporter } from '../regions/region-importer.js'
import type { Residency } from '../regions/residency.js'
import type { Store } from '../store/store.js'
import { docMatcher } from './doc-pattern.js'
import type { ReceiptLog } from '../regions/level-receipts.js'
import type { ReceiptPage, ReplicaDocEntry, ReplicaPage } from './replica-wire.js'
import { emptyStoredDoc, loadStoredDoc } from '../store/stored-doc.js'

/** What the replica audit routes need from the running node. */
export interface ReplicaRoutesDeps {
  /** Credentials any of which opens the routes (the admin token, the regions' peer secret); never empty. */
  readonly credentials: readonly string[]
  readonly node: string
  readonly region: string | undefined
  readonly store: Store
  /** Appends a re-sent state idempotently by dots and tells the region's nodes ([REGION-2]). */
  readonly importer: RegionImporter
  /** This region's view of each peer link (empty outside regions). */
  readonly peers: () => readonly BridgeStatus[]
  /** The region's receipts of writes acknowledged at a level (absent outside regions). */
  readonly receipts?: ReceiptLog | undefined
  /** The region's residency table: a doc pinned away is never read out of or written into this region ([RESIDENCY-5]). */
  readonly residency?: Residency | undefined
}

const MAX_PAGE = 1000

/**
 * `/audit/replica/*` on every node with an admin token or a peer secret
 * ([AUDIT-4]): what `weft-server audit --region/--node` compares and repairs
 * with. `digests` pages through the store's docs (head seq, version vector,
 * digest of snapshot + tail), `state` is one doc's folded state, `import`
 * joins a state re-sent from a healthy replica (only dots this store lacks
 * are appended), `replace` overwrites a doc whose content diverged (same
 * version vector, other digest) with a healthy replica's state. Every route
 * wants one of the credentials: never open.
 */
export function mountReplicaRoutes(app: Hono, d: ReplicaRoutesDeps): void {
  const keys = d.credentials.filter((c) => c !== '').map((c) => Buffer.from(c))
  const authorized = (c: Context): boolean => {
    const given = Buffer.from((c.req.header('authorization') ?? '').replace(/^Bearer /, ''))
    return keys.some((k) => k.length === given.length && timingSafeEqual(k, given))
  }
  const refuse = (c: Context) => c.text('audit routes need the admin token (--admin-token) or the regions peer secret (--peer-secret) as a Bearer token', 401)
  const lagMs = () => Object.fromEntries(d.peers().map((p) => [p.peer, p.lagMs]))
  // An audit repair must not move a pinned doc's bytes where residency forbids them, even with the secret.
  const pinnedAway = (c: Context, doc: string) => {
    const refusal = d.region !== undefined ? d.residency?.refusal(doc, d.region) : undefined
    return refusal && c.json(refusal, 403)
  }

  // The receipts this region gave for acks at a level, oldest first, a page at a time ([AUDIT-9]).
  app.get('/audit/replica/receipts', async (c) => {
    if (!authorized(c)) return refuse(c)
    const after = Math.max(0, Number(c.req.query('after') ?? 0) || 0)
    const limit = Math.max(1, Math.min(MAX_PAGE, Number(c.req.query('limit') ?? 500) || 500))
    const receipts = d.receipts ? await d.receipts.list(after, limit) : []
    const page: ReceiptPage = {
      region: d.region ?? null,
      receipts: receipts.map((r) => ({ ...r, regions: [...r.regions] })),
      next: receipts.length === limit ? (receipts[receipts.length - 1]?.id ?? null) : null,
    }
    return c.json(page)
  })

  app.get('/audit/replica/digests', async (c) => {
    if (!authorized(c)) return refuse(c)
    const one = c.req.query('doc')
    const limit = Math.max(1, Math.min(MAX_PAGE, Number(c.req.query('limit') ?? 200) || 200))
    const matches = docMatcher(c.req.query('docs'))
    const docs = one !== undefined ? [one] : await d.store.listDocsAfter(c.req.query('after') || undefined, limit)
    const entries: ReplicaDocEntry[] = []
    for (const doc of docs) if (one !== undefined || matches(doc)) entries.push(await entryOf(d.store, doc))
    const page: ReplicaPage = {
      node: d.node,
      region: d.region ?? null,
      lagMs: lagMs(),
      ...(d.residency && !d.residency.empty && { residency: d.residency.rules }),
      docs: entries,
      next: one === undefined && docs.length === limit ? (docs[docs.length - 1] as string) : null,
    }
    return c.json(page)
  })

  app.get('/audit/replica/state', async (c) => {
    if (!authorized(c)) return refuse(c)
    const doc = c.req.query('doc')
    if (!doc) return c.text('doc is required', 400)
    const refused = pinnedAway(c, doc)
    if (refused) return refused
    const state = (await foldStored(d.store, doc)).doc.encodeState()
    return c.body(state as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/octet-stream' })
  })

  app.post('/audit/replica/import', async (c) => {
    if (!authorized(c)) return refuse(c)
    const doc = c.req.query('doc')
    if (!doc) return c.text('doc is required', 400)
    const refused = pinnedAway(c, doc)
    if (refused) return refused
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    const { appended } = await d.importer.import(doc, { snapshot: undefined, deltas: [bytes], headSeq: 0 })
    return c.json({ doc, appended, head: await d.store.head(doc) })
  })

  app.post('/audit/replica/replace', async (c) => {
    if (!authorized(c)) return refuse(c)
    const doc = c.req.query('doc')
    if (!doc) return c.text('doc is required', 400)
    const refused = pinnedAway(c, doc)
    if (refused) return refused
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    let incoming: Doc
    try {
      incoming = loadStoredDoc(bytes)
    } catch (error) {
      return c.text(`the state does not decode: ${error instanceof Error ? error.message : String(error)}`, 400)
    }
    // Same dots, other content: the stored log is rewritten as one snapshot of the healthy state at the
    // head's seq (seqs never move), the log under it pruned, so a reload or a peer reads the healthy content.
    return d.importer.serial(doc, async () => {
      const head = await d.store.head(doc)
      if (!vvEquals(head.vv, incoming.versionVector())) {
        return c.json({ error: "the doc moved (its version vector is not the state's): audit again", head }, 409)
      }
      await d.store.writeSnapshot(doc, { seq: head.seq, bytes, vv: head.vv }, { pruneThroughSeq: head.seq })
      return c.json({ doc, replaced: true, seq: head.seq, digest: incoming.digest() })
    })
  })
}

/** The doc as this store holds it (snapshot + tail, folded) and its head seq, read at one point. */
async function foldStored(store: Store, doc: string): Promise<{ doc: Doc; seq: number }> {
  const loaded = await store.load(doc)
  const d = loaded.snapshot ? loadStoredDoc(loaded.snapshot.bytes) : emptyStoredDoc()
  for (const r of loaded.deltas) {
    try {
      d.applyDelta(r.bytes)
    } catch {
      // An undecodable delta is the store audit's finding; the digest shows it too.
    }
  }
  return { doc: d, seq: loaded.head.seq }
}

async function entryOf(store: Store, doc: string): Promise<ReplicaDocEntry> {
  try {
    const folded = await foldStored(store, doc)
    return { doc, seq: folded.seq, vv: folded.doc.versionVector(), digest: folded.doc.digest() }
  } catch (error) {
    return { doc, seq: (await store.head(doc)).seq, vv: {}, digest: null, error: error instanceof Error ? error.message : String(error) }
  }
}
