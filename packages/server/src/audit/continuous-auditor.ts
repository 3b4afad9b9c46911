import type { Logger } from 'pino'
import type { Store } from '../store/store.js'
import type { AuditMetrics } from './audit-metrics.js'
import { type DocAudit, auditDoc } from './audit-doc.js'
import { auditEngine } from './engine-checks.js'
import type { AuditCheckId, Finding } from './finding.js'
import { readStoredDoc } from './read-stored-doc.js'

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
}

/** A standing finding and when it was first seen. */
export interface StandingFinding extends Omit<Finding, 'repair'> {
  readonly firstSeen: string
  readonly repairable: boolean
}

/** What the auditor has done so far. */
export interface AuditorStatus {
  readonly intervalMs: number
  readonly docsPerTick: number
  readonly docsAudited: number
  readonly passes: number
  /** Duration of the last complete pass over every doc (ms), undefined before the first. */
  readonly lastPassMs: number | undefined
  readonly findings: readonly StandingFinding[]
}

const MAX_STANDING = 1000

/**
 * Audits the store in the background, a few docs per tick under a time
 * budget, round and round: a corruption of any doc is found within one pass
 * (about docs / docsPerTick ticks). Findings are kept while they stand
 * (a later audit of the doc drops those gone), exported as metrics, and
 * logged once each.
 */
export class ContinuousAuditor {
  private readonly intervalMs: number
  private readonly docsPerTick: number
  private readonly budgetMs: number
  private cursor: string | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private passStarted = Date.now()
  private docsAudited = 0
  private passes = 0
  private lastPassMs: number | undefined
  /** doc ('' for the engine) -> its standing findings by key. */
  private readonly standing = new Map<string, Map<string, StandingFinding>>()

  constructor(
    private readonly store: Store,
    private readonly metrics: AuditMetrics,
    private readonly logger: Logger,
    private readonly options: ContinuousAuditOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000
    this.docsPerTick = options.docsPerTick ?? 20
    this.budgetMs = options.tickBudgetMs ?? 10
  }

  start(): void {
    this.schedule()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }

  status(): AuditorStatus {
    return {
      intervalMs: this.intervalMs,
      docsPerTick: this.docsPerTick,
      docsAudited: this.docsAudited,
      passes: this.passes,
      lastPassMs: this.lastPassMs,
      findings: [...this.standing.values()].flatMap((m) => [...m.values()]).slice(0, MAX_STANDING),
    }
  }

  /** Audits one doc now (the dashboard's button) and records what it found. */
  async auditNow(doc: string): Promise<DocAudit | undefined> {
    const stored = await readStoredDoc(this.store, doc)
    if (!stored) return undefined
    const audit = auditDoc(stored)
    this.record(doc, audit.findings)
    return audit
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
    const started = performance.now()
    const page = await this.store.listDocsAfter(this.cursor, this.docsPerTick)
    let done = 0
    for (const doc of page) {
      // At least one doc per tick, so a slow store still makes progress.
      if (this.stopped || (done > 0 && performance.now() - started > this.budgetMs)) return
      done++
      const t0 = performance.now()
      await this.auditNow(doc)
      this.cursor = doc
      this.docsAudited++
      this.metrics.docsAudited.inc()
      this.metrics.docSeconds.observe((performance.now() - t0) / 1000)
      // One doc at a time: sockets get the event loop between docs.
      await new Promise((r) => setImmediate(r))
    }
    if (page.length < this.docsPerTick) {
      // End of a pass: the engine, then round again.
      this.record('', await auditEngine(this.store, this.options))
      this.cursor = undefined
      this.passes++
      this.lastPassMs = Date.now() - this.passStarted
      this.metrics.passSeconds.set(this.lastPassMs / 1000)
      this.passStarted = Date.now()
    }
  }

  private record(doc: string, findings: readonly Finding[]): void {
    const before = this.standing.get(doc) ?? new Map<string, StandingFinding>()
    const now = new Map<string, StandingFinding>()
    for (const f of findings) {
      const key = `${f.check}|${f.message}`
      const prior = before.get(key)
      if (prior) {
        now.set(key, prior)
        continue
      }
      const { repair, ...rest } = f
      now.set(key, { ...rest, repairable: repair !== undefined, firstSeen: new Date().toISOString() })
      this.metrics.findingsFound.inc({ check: f.check })
      this.logger.warn({ check: f.check, doc: f.doc, detail: f.detail }, `audit finding: ${f.message}`)
    }
    for (const [key, f] of before) if (!now.has(key)) this.logger.info({ check: f.check, doc: f.doc }, 'audit finding cleared')
    if (now.size > 0) this.standing.set(doc, now)
    else this.standing.delete(doc)
    this.updateGauges()
  }

  private updateGauges(): void {
    const counts = new Map<AuditCheckId, number>()
    for (const m of this.standing.values()) for (const f of m.values()) counts.set(f.check, (counts.get(f.check) ?? 0) + 1)
    this.metrics.findingsOpen.reset()
    for (const [check, n] of counts) this.metrics.findingsOpen.set({ check }, n)
  }
}
