import type { Logger } from 'pino'
import { type FindingRecord, type FindingsStore, MemoryFindings, hasFindingsStore } from '../store/findings-store.js'
import type { Store } from '../store/store.js'
import type { AuditMetrics } from './audit-metrics.js'
import { type DocAudit, auditDoc } from './audit-doc.js'
import { type BusAuditOptions, auditBus } from './bus-checks.js'
import { auditEngine } from './engine-checks.js'
import type { Finding } from './finding.js'
import { readStoredDoc } from './read-stored-doc.js'
import { recordRepairs } from './record-repairs.js'
import { type RepairBackend, type RepairOutcome, repairDoc } from './repair.js'

/** How the background auditor paces itself. */
export interface ContinuousAuditOptions {
  /** A tick every this many ms (default 1000). */
  readonly intervalMs?: number
  /** Docs audited per tick at most (default 20). */
  readonly docsPerTick?: number
  /** Wall time a tick may spend before it stops for this tick (default 10 ms); the event loop gets a turn between docs. */
  readonly tickBudgetMs?: number
  /** Prepared transactions older than this are findings (default 60 s). */
  readonly preparedMaxAgeMs?: number
  /**
   * The engine's checks (SQLite integrity_check; PostgreSQL reachability,
   * replication, prepared transactions) and the bus's run once every this
   * many ms (default 60 s) in a tick of their own [AUDIT-10]: they are per
   * node, not per doc, so their pace does not depend on how many docs there are.
   */
  readonly engineIntervalMs?: number
  /** The cluster's NATS bus to check with the engine (the server's `--bus`); absent: no bus checks. */
  readonly bus?: BusAuditOptions | undefined
  /** This node's id, recorded with each finding (default 'local'). */
  readonly node?: string
  /** Writes a repair needs (the dashboard's repair); without one the dashboard can only audit. */
  readonly repairBackend?: RepairBackend | undefined
  /**
   * Closed findings and repairs kept in the store, newest first (default
   * 1000); older ones are deleted at the end of each pass [AUDIT-6]. Open
   * findings are always kept.
   */
  readonly keepClosedFindings?: number
  /** Closed findings and repairs older than this (ms since they closed) are deleted too (default 30 days). */
  readonly closedFindingsMaxAgeMs?: number
}

/** {@link ContinuousAuditOptions.engineIntervalMs}'s default. */
export const DEFAULT_ENGINE_INTERVAL_MS = 60_000

/** {@link ContinuousAuditOptions.keepClosedFindings}'s default. */
export const DEFAULT_KEEP_CLOSED_FINDINGS = 1000
/** {@link ContinuousAuditOptions.closedFindingsMaxAgeMs}'s default: 30 days. */
export const DEFAULT_CLOSED_FINDINGS_MAX_AGE_MS = 30 * 24 * 3600 * 1000

/** A finding or repair as the status shows it (ISO times). */
export interface StandingFinding {
  readonly kind: FindingRecord['kind']
  readonly check: string
  /** The doc, or undefined for the engine. */
  readonly doc: string | undefined
  readonly message: string
  readonly repairable: boolean
  readonly node: string
  readonly firstSeen: string
  /** When a later audit found it gone (or, for a repair, when it was done). */
  readonly resolved: string | undefined
}

/** What the auditor has done so far. */
export interface AuditorStatus {
  readonly intervalMs: number
  readonly docsPerTick: number
  readonly docsAudited: number
  readonly engineIntervalMs: number
  /** Runs of the engine and bus checks so far. */
  readonly engineChecks: number
  readonly passes: number
  /** Duration of the last complete pass over every doc (ms), undefined before the first. */
  readonly lastPassMs: number | undefined
  /** Findings open now, newest first. */
  readonly findings: readonly StandingFinding[]
  /** The latest findings and repairs, open or not, newest first. */
  readonly recent: readonly StandingFinding[]
}

const MAX_STANDING = 1000
const RECENT = 50

/**
 * A finding's identity within its check and doc: its particulars, less what
 * changes while it stands (a prepared transaction's age), so one problem is
 * one record however often it is seen.
 */
export function findingKey(f: Finding): string {
  if (f.check === 'pg-prepared-xact-old') return String(f.detail?.gid)
  if (f.check === 'pg-slot-inactive' || f.check === 'pg-slot-lagging') return String(f.detail?.slot)
  if (f.check === 'pg-replica-lagging') return String(f.detail?.standby)
  if (f.check === 'pg-unreachable') return 'pg'
  if (f.check === 'sqlite-integrity') return 'sqlite'
  if (f.check === 'bus-unreachable') return 'bus'
  // A stream's or consumer's counts and replicas' lag change while the problem stands.
  if (f.check === 'bus-stream-unhealthy' || f.check === 'bus-stream-full') return String(f.detail?.stream)
  if (f.check === 'bus-consumer-lagging') return `${String(f.detail?.stream)}/${String(f.detail?.consumer)}`
  return JSON.stringify(f.detail ?? f.message)
}

const toStanding = (r: FindingRecord): StandingFinding => ({
  kind: r.kind,
  check: r.check,
  doc: r.doc === '' ? undefined : r.doc,
  message: r.message,
  repairable: r.repairable,
  node: r.node,
  firstSeen: new Date(r.at).toISOString(),
  resolved: r.resolvedAt === undefined ? undefined : new Date(r.resolvedAt).toISOString(),
})

/**
 * Audits the store in the background, a few docs per tick under a time
 * budget, round and round: a corruption of any doc is found within one pass
 * (about docs / docsPerTick ticks). Findings are recorded in the store when
 * it keeps them ([AUDIT-5]: they survive a restart and every node of a
 * cluster sees the same ones; in memory otherwise), resolved when a later
 * audit of the doc finds them gone, exported as metrics, and logged once
 * each (by the node whose record opened it).
 */
export class ContinuousAuditor {
  private readonly intervalMs: number
  private readonly docsPerTick: number
  private readonly budgetMs: number
  private cursor: string | undefined
  /**
   * Docs with open findings, read once at the start of each pass (undefined:
   * not known, or more than one read returns): a clean doc outside it needs
   * no read of its findings, which would otherwise cost every doc audited a
   * store round trip ([AUDIT-3]'s budget). One opened meanwhile by another
   * node is resolved by the next pass, or by that node's own audit.
   */
  private openDocs: Set<string> | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private passStarted = Date.now()
  private docsAudited = 0
  private passes = 0
  private lastPassMs: number | undefined
  private readonly engineIntervalMs: number
  private lastEngineAt = Number.NEGATIVE_INFINITY
  private engineChecks = 0
  /** Engine findings the store could not record (it is the engine that is down): logged and counted once each until it records again. */
  private readonly unrecorded = new Set<string>()
  /** What `weft_audit_findings_open` shows, by check: re-read from the store once a pass, moved by one as this node opens and resolves. */
  private readonly openCounts = new Map<string, number>()
  private readonly findings: FindingsStore
  private readonly node: string

  constructor(
    private readonly store: Store,
    private readonly metrics: AuditMetrics,
    private readonly logger: Logger,
    private readonly options: ContinuousAuditOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000
    this.docsPerTick = options.docsPerTick ?? 20
    this.budgetMs = options.tickBudgetMs ?? 10
    this.engineIntervalMs = options.engineIntervalMs ?? DEFAULT_ENGINE_INTERVAL_MS
    this.findings = hasFindingsStore(store) ? store : new MemoryFindings()
    this.node = options.node ?? 'local'
  }

  start(): void {
    this.schedule()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }

  async status(): Promise<AuditorStatus> {
    const [open, recent] = await Promise.all([
      this.findings.listFindings({ limit: MAX_STANDING, openOnly: true }),
      this.findings.listFindings({ limit: RECENT }),
    ])
    return {
      intervalMs: this.intervalMs,
      docsPerTick: this.docsPerTick,
      docsAudited: this.docsAudited,
      engineIntervalMs: this.engineIntervalMs,
      engineChecks: this.engineChecks,
      passes: this.passes,
      lastPassMs: this.lastPassMs,
      findings: open.filter((f) => f.kind === 'finding').map(toStanding),
      recent: recent.map(toStanding),
    }
  }

  /** Audits one doc now (the dashboard's button) and records what it found. */
  async auditNow(doc: string): Promise<DocAudit | undefined> {
    const stored = await readStoredDoc(this.store, doc)
    if (!stored) return undefined
    const audit = auditDoc(stored)
    await this.record(doc, audit.findings)
    return audit
  }

  /** One doc of a pass: its findings are read only when it has some, or had some when the pass began. */
  private async auditInPass(doc: string): Promise<void> {
    const stored = await readStoredDoc(this.store, doc)
    if (!stored) return
    const audit = auditDoc(stored)
    if (audit.findings.length === 0 && this.openDocs !== undefined && !this.openDocs.has(doc)) return
    await this.record(doc, audit.findings)
  }

  /** Whether {@link repairNow} can repair on this store. */
  get canRepair(): boolean {
    return this.options.repairBackend !== undefined
  }

  /**
   * Audits one doc, repairs what can be repaired here (the dashboard's
   * button), records each repair and what the doc's audit shows after it.
   */
  async repairNow(doc: string): Promise<{ readonly outcomes: readonly RepairOutcome[]; readonly after: DocAudit } | undefined> {
    const backend = this.options.repairBackend
    if (!backend) throw new Error('repair needs a store the server can write behind the protocol (PostgreSQL)')
    const audit = await this.auditNow(doc)
    if (!audit) return undefined
    const { outcomes, after } = await repairDoc(this.store, backend, audit)
    await recordRepairs(this.findings, this.node, outcomes)
    for (const o of outcomes) if (o.ok) this.logger.info({ check: o.check, doc: o.doc, action: o.action }, `audit repair: ${o.note}`)
    await this.record(doc, after.findings)
    return { outcomes, after }
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'audit tick failed; trying again next tick'))
        .finally(() => {
          this.running = undefined
          this.schedule()
        })
    }, this.intervalMs)
    this.timer.unref()
  }

  private async tick(): Promise<void> {
    if (Date.now() - this.lastEngineAt >= this.engineIntervalMs) return this.engineTick()
    const started = performance.now()
    if (this.cursor === undefined) {
      const open = await this.findings.listFindings({ limit: MAX_STANDING, openOnly: true })
      this.openDocs = open.length < MAX_STANDING ? new Set(open.map((f) => f.doc)) : undefined
      // Other nodes record findings too: the gauges follow the store once a pass.
      this.setGauges(open)
    }
    const page = await this.store.listDocsAfter(this.cursor, this.docsPerTick)
    let done = 0
    for (const doc of page) {
      // At least one doc per tick, so a slow store still makes progress.
      if (this.stopped || (done > 0 && performance.now() - started > this.budgetMs)) return
      done++
      const t0 = performance.now()
      await this.auditInPass(doc)
      this.cursor = doc
      this.docsAudited++
      this.metrics.docsAudited.inc()
      this.metrics.docSeconds.observe((performance.now() - t0) / 1000)
      // One doc at a time: sockets get the event loop between docs.
      await new Promise((r) => setImmediate(r))
    }
    if (page.length < this.docsPerTick) {
      // End of a pass. Retention [AUDIT-6]: once a pass, so the record stays bounded however long the server runs.
      await this.pruneFindings()
      this.cursor = undefined
      this.passes++
      this.lastPassMs = Date.now() - this.passStarted
      this.metrics.passSeconds.set(this.lastPassMs / 1000)
      this.passStarted = Date.now()
    }
  }

  /**
   * The engine's and the bus's checks, recorded together under the doc ''
   * (a finding of either stands until a later run no longer sees it). When
   * the store cannot record them (PostgreSQL is what is down), each is
   * logged and counted once until it can again.
   */
  private async engineTick(): Promise<void> {
    this.lastEngineAt = Date.now()
    const engine = await auditEngine(this.store, this.options)
    const bus = this.options.bus ? await auditBus(this.options.bus) : undefined
    const found = [...engine.findings, ...(bus?.findings ?? [])]
    this.engineChecks++
    try {
      await this.record('', found)
      this.unrecorded.clear()
    } catch (error) {
      for (const f of found) {
        const id = JSON.stringify([f.check, findingKey(f)])
        if (this.unrecorded.has(id)) continue
        this.unrecorded.add(id)
        this.metrics.findingsFound.inc({ check: f.check })
        this.logger.warn({ check: f.check, detail: f.detail, err: error }, `audit finding (not recorded: the store did not answer): ${f.message}`)
      }
      if (found.length === 0) throw error
    }
  }

  private async record(doc: string, findings: readonly Finding[]): Promise<void> {
    const at = Date.now()
    const open = (await this.findings.openFindings(doc)).filter((f) => f.kind === 'finding')
    const seen = new Set<string>()
    // The open gauge moves by one here, not by re-reading every open finding per doc (that made a doc
    // with findings cost O(open findings)); it follows the store, other nodes' records too, once a pass.
    for (const f of findings) {
      const key = findingKey(f)
      seen.add(JSON.stringify([f.check, key]))
      if (open.some((o) => o.check === f.check && o.key === key)) continue
      const opened = await this.findings.recordFinding({
        kind: 'finding',
        check: f.check,
        doc,
        key,
        message: f.message,
        node: this.node,
        repairable: f.repair !== undefined,
        at,
      })
      if (!opened) continue
      this.metrics.findingsFound.inc({ check: f.check })
      this.moveOpen(f.check, 1)
      this.logger.warn({ check: f.check, doc: f.doc, detail: f.detail }, `audit finding: ${f.message}`)
    }
    for (const o of open) {
      if (seen.has(JSON.stringify([o.check, o.key]))) continue
      if (!(await this.findings.resolveFinding(o, at))) continue
      this.moveOpen(o.check, -1)
      this.logger.info({ check: o.check, doc: o.doc || undefined }, 'audit finding cleared')
    }
  }

  private async pruneFindings(): Promise<void> {
    const deleted = await this.findings.pruneFindings({
      keepClosed: this.options.keepClosedFindings ?? DEFAULT_KEEP_CLOSED_FINDINGS,
      closedBefore: Date.now() - (this.options.closedFindingsMaxAgeMs ?? DEFAULT_CLOSED_FINDINGS_MAX_AGE_MS),
    })
    if (deleted > 0) this.logger.debug({ deleted }, 'audit: closed findings past retention deleted')
  }

  private setGauges(open: readonly FindingRecord[]): void {
    const counts = new Map<string, number>()
    for (const f of open) {
      if (f.kind === 'finding') counts.set(f.check, (counts.get(f.check) ?? 0) + 1)
    }
    this.metrics.findingsOpen.reset()
    this.openCounts.clear()
    for (const [check, n] of counts) this.moveOpen(check, n)
  }

  private moveOpen(check: string, by: number): void {
    const n = Math.max(0, (this.openCounts.get(check) ?? 0) + by)
    if (n > 0) {
      this.openCounts.set(check, n)
      this.metrics.findingsOpen.set({ check }, n)
    } else {
      this.openCounts.delete(check)
      this.metrics.findingsOpen.remove({ check })
    }
  }
}
