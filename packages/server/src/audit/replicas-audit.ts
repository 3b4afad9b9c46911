import type { AuditCheckId } from './finding.js'
import { EMPTY_DIGEST, type ReplicaFinding, type ReplicaView, compareReplicas } from './replica-compare.js'
import type { ReceiptPage, ReplicaDocEntry, ReplicaPage } from './replica-wire.js'
import { type ReceiptsSummary, auditReceipts } from './receipts-audit.js'
import { docMatcher } from './doc-pattern.js'
import { vvCovers } from '@weft/crdt-core'
import type { VersionVector } from '../store/store.js'
import { Residency } from '../regions/residency.js'

/** A region or node to compare: its name in the report and the base URL of one of its nodes. */
export interface ReplicaTarget {
  readonly name: string
  readonly url: string
}

/** Options of {@link auditReplicas}. */
export interface ReplicasAuditOptions {
  /** The admin token or the regions' peer secret, sent as a Bearer token. */
  readonly credential: string
  readonly docs?: string | undefined
  /** Docs per page asked of each replica (default 200). */
  readonly pageSize?: number
  /**
   * Lagging docs are compared again after this long (default 2000 ms) and
   * reported only if still behind: replication in flight is not a finding.
   */
  readonly settleMs?: number
  /** Carry out the fixes and say what was done. */
  readonly repair?: boolean
  /** For `replica-diverged` without a majority: the replica whose content is right. */
  readonly trust?: string | undefined
  /** Findings kept in the report at most (default 10,000). */
  readonly maxFindings?: number
  readonly onDoc?: (index: number) => void
}

/** What `--repair` did about one replica finding. */
export interface ReplicaRepairOutcome {
  readonly doc: string
  readonly check: AuditCheckId
  readonly replica: string
  readonly action: 'resend' | 'replace' | 'none'
  readonly ok: boolean
  readonly note: string
}

/** What comparing the replicas found. */
export interface ReplicasReport {
  readonly startedAt: string
  readonly durationMs: number
  readonly replicas: readonly { readonly name: string; readonly url: string; readonly node: string; readonly region: string | null }[]
  readonly docsAudited: number
  readonly deltasAudited: 0
  readonly findingsTotal: number
  readonly byCheck: Partial<Record<AuditCheckId, number>>
  readonly findings: readonly ReplicaFinding[]
  readonly truncated: boolean
  /** Lagging docs that caught up while the audit waited `settleMs`: replication in flight. */
  readonly caughtUpWhileAuditing: number
  /** Receipts of acks at a level checked against the regions they name ([AUDIT-9]). */
  readonly receipts: ReceiptsSummary
  readonly repairs?: readonly ReplicaRepairOutcome[]
  /** Findings left after repair. */
  readonly remaining: number
}

/** A replica could not be asked: the audit cannot be done (exit 2). */
export class ReplicaUnreachableError extends Error {
  override readonly name = 'ReplicaUnreachableError'
}

/**
 * Compares every doc across regions or nodes ([AUDIT-4]): pages through each
 * replica's `/audit/replica/digests` in doc order and merges them, so memory
 * holds one page per replica, never the list of every doc. A doc one replica
 * lacks entirely compares as an empty doc there.
 */
export async function auditReplicas(targets: readonly ReplicaTarget[], o: ReplicasAuditOptions): Promise<ReplicasReport> {
  const started = Date.now()
  const client = new ReplicaClient(o.credential)
  const max = o.maxFindings ?? 10_000
  const cursors = targets.map((t) => new PageCursor(client, t, o.docs, o.pageSize ?? 200))
  const suspects: string[] = []
  const findings: ReplicaFinding[] = []
  const byCheck: Partial<Record<AuditCheckId, number>> = {}
  let total = 0
  const record = (f: ReplicaFinding) => {
    total++
    byCheck[f.check] = (byCheck[f.check] ?? 0) + 1
    if (findings.length < max) findings.push(f)
  }
  let docs = 0
  for (;;) {
    const heads = await Promise.all(cursors.map((c) => c.peek()))
    const next = heads.reduce<string | undefined>((m, e) => (e && (m === undefined || e.doc < m) ? e.doc : m), undefined)
    if (next === undefined) break
    const all = await Promise.all(cursors.map(async (c) => ((await c.peek())?.doc === next ? viewOf(c, c.take()) : viewOf(c, missing(next)))))
    const views = all.filter((_, i) => (cursors[i] as PageCursor).mayHold(next))
    const found = compareReplicas(next, views, o.trust)
    // Lagging may be replication in flight: looked at again once, after the others, below.
    if (found.some((f) => f.check === 'replica-lagging')) suspects.push(next)
    for (const f of found) if (f.check !== 'replica-lagging') record(f)
    o.onDoc?.(docs)
    docs++
  }

  let caughtUp = 0
  if (suspects.length > 0) await sleep(o.settleMs ?? 2_000)
  const lagging: ReplicaFinding[] = []
  for (const doc of suspects) {
    const views = await Promise.all(cursors.filter((c) => c.mayHold(doc)).map(async (c) => viewOf(c, await client.one(c.target, doc))))
    const still = compareReplicas(doc, views, o.trust).filter((f) => f.check === 'replica-lagging')
    if (still.length === 0) caughtUp++
    lagging.push(...still)
  }
  for (const f of lagging) record(f)
  // Receipts are a region's (levels are across regions): nodes of one region have none to check.
  const receipts = cursors.every((c) => typeof c.region === 'string')
    ? await auditReceipts(client, targets, { matches: docMatcher(o.docs), record })
    : { checked: 0, unchecked: [] }
  findings.sort((a, b) => a.doc?.localeCompare(b.doc ?? '') || a.check.localeCompare(b.check) || a.replica.localeCompare(b.replica))

  let repairs: ReplicaRepairOutcome[] | undefined
  let remaining = total
  if (o.repair) {
    repairs = []
    const byDoc = new Map<string, ReplicaFinding[]>()
    for (const f of findings) byDoc.set(f.doc as string, [...(byDoc.get(f.doc as string) ?? []), f])
    remaining = total - findings.length
    for (const [doc, all] of byDoc) {
      // A lost ack is not repaired as such: the lagging finding's re-send brings the write back, checked below.
      const list = all.filter((f) => f.check !== 'receipt-not-held')
      // Divergence first: a replaced replica may then be the healthy source of a re-send.
      for (const f of [...list].sort((a, b) => (a.check === 'replica-diverged' ? -1 : 0) - (b.check === 'replica-diverged' ? -1 : 0)))
        repairs.push(await repairOne(client, targets, f))
      const views = await Promise.all(cursors.filter((c) => c.mayHold(doc)).map(async (c) => viewOf(c, await client.one(c.target, doc))))
      const after = compareReplicas(doc, views, o.trust)
      for (const f of after)
        repairs.push({ doc, check: f.check, replica: f.replica, action: 'none', ok: false, note: `still there after repair: ${f.message}` })
      remaining += after.length
      for (const f of all.filter((x) => x.check === 'receipt-not-held')) {
        const held = vvCovers((await client.one(targetNamed(targets, f.replica), doc)).vv, f.detail?.vv as VersionVector)
        if (!held) remaining++
        repairs.push({
          doc,
          check: f.check,
          replica: f.replica,
          action: 'none',
          ok: held,
          note: held ? `${f.replica} holds the acknowledged write again` : `${f.replica} still lacks the acknowledged write: ${f.unrepairable}`,
        })
      }
    }
  }

  return {
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    replicas: cursors.map((c) => ({ name: c.target.name, url: c.target.url, node: c.node ?? '?', region: c.region ?? null })),
    docsAudited: docs,
    deltasAudited: 0,
    findingsTotal: total,
    byCheck,
    findings,
    truncated: total > findings.length,
    caughtUpWhileAuditing: caughtUp,
    receipts,
    ...(repairs && { repairs }),
    remaining,
  }
}

async function repairOne(client: ReplicaClient, targets: readonly ReplicaTarget[], f: ReplicaFinding): Promise<ReplicaRepairOutcome> {
  const doc = f.doc as string
  const base = { doc, check: f.check, replica: f.replica }
  const fix = f.fix
  if (!fix) return { ...base, action: 'none', ok: false, note: `not repairable here: ${f.unrepairable ?? 'no repair known'}` }
  const target = (name: string) => targetNamed(targets, name)
  try {
    if (fix.kind === 'replace') {
      const state = await client.state(target(fix.from), doc)
      const r = (await client.post(target(fix.to), 'replace', doc, state)) as { seq: number; digest: string }
      return {
        ...base,
        action: 'replace',
        ok: true,
        note: `content replaced by ${fix.from}'s (digest ${r.digest.slice(0, 12)}), one snapshot at seq ${r.seq}, log under it pruned`,
      }
    }
    let appended = 0
    for (const from of fix.from)
      appended += ((await client.post(target(fix.to), 'import', doc, await client.state(target(from), doc))) as { appended: number }).appended
    return {
      ...base,
      action: 'resend',
      ok: true,
      note: `re-sent the state of ${fix.from.join(', ')}: ${appended} delta(s) appended on ${fix.to}, told to its nodes`,
    }
  } catch (error) {
    return { ...base, action: fix.kind, ok: false, note: `repair failed: ${error instanceof Error ? error.message : String(error)}` }
  }
}

function targetNamed(targets: readonly ReplicaTarget[], name: string): ReplicaTarget {
  return targets.find((t) => t.name === name) as ReplicaTarget
}

function viewOf(c: PageCursor, entry: ReplicaDocEntry): ReplicaView {
  return { replica: c.target.name, entry, lagMs: c.lagMs }
}

function missing(doc: string): ReplicaDocEntry {
  return { doc, seq: 0, vv: {}, digest: EMPTY_DIGEST }
}

/** One replica's docs, a page at a time, in id order. */
class PageCursor {
  private page: ReplicaDocEntry[] = []
  private after: string | undefined
  private done = false
  node: string | undefined
  region: string | null | undefined
  lagMs: Readonly<Record<string, number>> = {}
  private residency: Residency | undefined

  constructor(
    private readonly client: ReplicaClient,
    readonly target: ReplicaTarget,
    private readonly docs: string | undefined,
    private readonly pageSize: number,
  ) {}

  /**
   * May this replica's region hold `doc` by its own residency table ([RESIDENCY-5])? A region a doc
   * is pinned away from is neither lagging nor a repair target for it (a copy held from before the
   * pin is left alone, as the docs say).
   */
  mayHold(doc: string): boolean {
    return this.residency === undefined || typeof this.region !== 'string' || this.residency.allows(doc, this.region)
  }

  /** The next doc, fetching pages as needed (a filtered page may be empty and still not the last). */
  async peek(): Promise<ReplicaDocEntry | undefined> {
    while (this.page.length === 0 && !this.done) {
      const p = await this.client.page(this.target, this.after, this.pageSize, this.docs)
      this.node = p.node
      this.region = p.region
      this.lagMs = p.lagMs
      this.residency = p.residency ? new Residency(p.residency) : undefined
      this.page = [...p.docs]
      this.after = p.next ?? undefined
      this.done = p.next === null
    }
    return this.page[0]
  }

  take(): ReplicaDocEntry {
    return this.page.shift() as ReplicaDocEntry
  }
}

/** HTTP to the replica routes, with the credential. */
class ReplicaClient {
  constructor(private readonly credential: string) {}

  page(t: ReplicaTarget, after: string | undefined, limit: number, docs: string | undefined): Promise<ReplicaPage> {
    const q = new URLSearchParams({ limit: String(limit), ...(after !== undefined && { after }), ...(docs !== undefined && { docs }) })
    return this.json<ReplicaPage>(t, `/audit/replica/digests?${q}`)
  }

  receipts(t: ReplicaTarget, after: number, limit: number): Promise<ReceiptPage> {
    return this.json<ReceiptPage>(t, `/audit/replica/receipts?${new URLSearchParams({ after: String(after), limit: String(limit) })}`)
  }

  async one(t: ReplicaTarget, doc: string): Promise<ReplicaDocEntry> {
    const p = await this.json<ReplicaPage>(t, `/audit/replica/digests?${new URLSearchParams({ doc })}`)
    return p.docs[0] ?? missing(doc)
  }

  async state(t: ReplicaTarget, doc: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.fetch(t, `/audit/replica/state?${new URLSearchParams({ doc })}`)).arrayBuffer())
  }

  async post(t: ReplicaTarget, route: 'import' | 'replace', doc: string, body: Uint8Array): Promise<unknown> {
    const res = await this.fetch(t, `/audit/replica/${route}?${new URLSearchParams({ doc })}`, { method: 'POST', body: body as Uint8Array<ArrayBuffer> })
    return res.json()
  }

  private async json<T>(t: ReplicaTarget, path: string): Promise<T> {
    return (await (await this.fetch(t, path)).json()) as T
  }

  private async fetch(t: ReplicaTarget, path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response
    try {
      res = await fetch(`${t.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${this.credential}`, 'content-type': 'application/octet-stream' },
        signal: AbortSignal.timeout(30_000),
      })
    } catch (error) {
      throw new ReplicaUnreachableError(`${t.name} (${t.url}) is unreachable: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (res.status === 401)
      throw new ReplicaUnreachableError(`${t.name} refused the credential: pass its --admin-token as --token, or the regions' --peer-secret`)
    if (res.status === 404) throw new ReplicaUnreachableError(`${t.name} has no audit routes: start it with --admin-token (or as a region with --peer-secret)`)
    if (!res.ok) throw new Error(`${t.name} answered ${res.status} to ${path.split('?')[0]}: ${(await res.text()).slice(0, 200)}`)
    return res
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
