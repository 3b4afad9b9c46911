import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { redactUrl } from '../redact-url.js'
import type { Store } from '../store/store.js'
import { formatAuditReport } from './audit-report-format.js'
import { type AuditReport, auditStore } from './audit-store.js'
import { auditBus } from './bus-checks.js'
import type { EngineNote, Finding } from './finding.js'
import { type ReplicaTarget, ReplicaUnreachableError, auditReplicas } from './replicas-audit.js'
import { hasFindingsStore } from '../store/findings-store.js'
import { recordRepairs } from './record-repairs.js'
import { type RepairBackend, type RepairOutcome, postgresRepairBackend, repairDoc, sqliteRepairBackend } from './repair.js'

export const AUDIT_USAGE = `Usage: weft-server audit [--db <file> | --store <url>] [options]
       weft-server audit --region NAME=URL --region NAME=URL ... [options]
       weft-server audit --node URL --node URL ... [options]
       weft-server audit --bus nats://… [options]

Checks every doc of a store: seqs dense, no dot stored twice with different
content, every delta decodes and carries the dots it is filed under, the
snapshot matches the log it covers, the head's version vector sums snapshot and
log, no delta waits for a missing dependency; and the engine: SQLite
integrity_check; PostgreSQL's reachability, standbys and replication slots,
and prepared transactions left behind. With --bus, the bus too: a round trip
through NATS, and JetStream streams (leader, replicas, limits) and their
consumers (messages pending or awaiting ack). --bus alone audits only the bus.

With --region or --node it compares running replicas instead: every doc's
version vector and digest in each, a replica behind another is lagging (by
how many dots, and how long since it last caught up), one with the same
version vector and another digest has diverged. Every write a region
acknowledged at a level (quorum, all-regions) left a receipt naming the
regions that held it: each of them must hold it still. --repair re-sends the state of
a healthy replica to a lagging one and replaces a diverged one's content with
the majority's (or --trust's).

  --db <file>               SQLite file (env WEFT_DB, default ./weft.db)
  --store <url>             postgres://…: a PostgreSQL store instead (env WEFT_STORE)
  --docs <pattern>          only these docs; * matches anything ('note:*')
  --json                    the report as JSON on stdout
  --repair                  fix what can be fixed here and say what was done and what not
  --prepared-max-age <dur>  prepared transactions older than this are findings (default 60s)
  --replica-max-lag <dur>   a PostgreSQL standby replaying further behind is a finding (default 10s)
  --slot-max-lag <size>     a replication slot retaining more WAL is a finding (default 1GiB)
  --bus <url>               nats://…: the cluster's bus to check as well (env WEFT_BUS)
  --bus-streams <pattern>   JetStream streams to check (default *weft*)
  --bus-max-pending <n>     a consumer with more pending or unacked messages is a finding (default 1000)
  --region NAME=URL         a region to compare (any node of it; repeat for each region)
  --node URL                a node to compare (repeat for each)
  --token <t>               the nodes' admin token (env WEFT_ADMIN_TOKEN), or
  --peer-secret <s>         the regions' peer secret (env WEFT_PEER_SECRET)
  --settle <dur>            look again at lagging docs after this long; only those still behind are findings (default 2s)
  --trust NAME              with --repair: the replica whose content is right when no majority agrees
  -h, --help

Exit code: 0 no findings (or all repaired), 1 findings, 2 could not audit.
`

/** A command line `weft-server audit` cannot run with; exit 2. */
export class AuditCommandError extends Error {
  override readonly name = 'AuditCommandError'
}

interface AuditConfig {
  readonly help: boolean
  readonly db: string
  readonly store: string | undefined
  readonly docs: string | undefined
  readonly json: boolean
  readonly repair: boolean
  readonly preparedMaxAgeMs: number
  readonly replicaMaxLagMs: number
  readonly slotMaxLagBytes: number
  /** The bus to check (--bus); with neither --db nor --store, only the bus is audited. */
  readonly bus: { readonly url: string; readonly streams: string | undefined; readonly maxPending: number } | undefined
  readonly busOnly: boolean
  /** Replicas to compare (--region/--node); empty: audit a store. */
  readonly replicas: readonly ReplicaTarget[]
  readonly credential: string | undefined
  readonly settleMs: number
  readonly trust: string | undefined
}

function parseDuration(flag: string, value: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value)
  if (!m) throw new AuditCommandError(`--${flag}: expected a duration such as 500ms, 30s, 5m or 1h, got "${value}"`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  return Number(m[1]) * unit
}

function parseSize(flag: string, value: string): number {
  const m = /^(\d+)\s*(B|kB|KiB|MB|MiB|GB|GiB)?$/.exec(value)
  if (!m) throw new AuditCommandError(`--${flag}: expected a size such as 512MiB or 1GiB, got "${value}"`)
  const unit = m[2] === undefined || m[2] === 'B' ? 1 : 1024 ** (m[2].startsWith('k') || m[2].startsWith('K') ? 1 : m[2].startsWith('M') ? 2 : 3)
  return Number(m[1]) * unit
}

function parseCount(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new AuditCommandError(`--${flag}: expected a whole number, got "${value}"`)
  return Number(value)
}

function parseReplicas(regions: readonly string[], nodes: readonly string[]): ReplicaTarget[] {
  if (regions.length > 0 && nodes.length > 0) throw new AuditCommandError('give --region or --node, not both')
  const out: ReplicaTarget[] = []
  for (const r of regions) {
    const eq = r.indexOf('=')
    const name = r.slice(0, eq).trim()
    const url = r
      .slice(eq + 1)
      .trim()
      .replace(/\/+$/, '')
    if (eq <= 0 || !/^https?:\/\//.test(url)) throw new AuditCommandError(`--region: expected NAME=http://host:port, got "${r}"`)
    out.push({ name, url })
  }
  for (const n of nodes) {
    if (!/^https?:\/\//.test(n)) throw new AuditCommandError(`--node: expected http://host:port, got "${n}"`)
    const url = n.replace(/\/+$/, '')
    out.push({ name: new URL(url).host, url })
  }
  const names = out.map((t) => t.name)
  const dup = names.find((x, i) => names.indexOf(x) !== i)
  if (dup !== undefined) throw new AuditCommandError(`"${dup}" is given twice`)
  if (out.length === 1) throw new AuditCommandError('comparing replicas needs at least two (--region/--node given once)')
  return out
}

export function parseAuditArgs(argv: readonly string[], env: Record<string, string | undefined>): AuditConfig {
  let values: Record<string, string | boolean | string[] | undefined>
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        db: { type: 'string' },
        store: { type: 'string' },
        docs: { type: 'string' },
        json: { type: 'boolean' },
        repair: { type: 'boolean' },
        'prepared-max-age': { type: 'string' },
        'replica-max-lag': { type: 'string' },
        'slot-max-lag': { type: 'string' },
        bus: { type: 'string' },
        'bus-streams': { type: 'string' },
        'bus-max-pending': { type: 'string' },
        region: { type: 'string', multiple: true },
        node: { type: 'string', multiple: true },
        token: { type: 'string' },
        'peer-secret': { type: 'string' },
        settle: { type: 'string' },
        trust: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    throw new AuditCommandError(error instanceof Error ? error.message : String(error))
  }
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const store = str('store') ?? (env.WEFT_STORE || undefined)
  if (store !== undefined && !/^postgres(ql)?:\/\//.test(store)) throw new AuditCommandError(`--store: expected a postgres:// URL (a SQLite file goes in --db)`)
  const list = (k: string) => (Array.isArray(values[k]) ? (values[k] as string[]) : [])
  const replicas = parseReplicas(list('region'), list('node'))
  const credential = str('token') ?? str('peer-secret') ?? (env.WEFT_ADMIN_TOKEN || env.WEFT_PEER_SECRET || undefined)
  if (replicas.length > 0 && credential === undefined) {
    throw new AuditCommandError(
      "comparing replicas needs their admin token (--token, env WEFT_ADMIN_TOKEN) or the regions' peer secret (--peer-secret, env WEFT_PEER_SECRET)",
    )
  }
  const busUrl = str('bus') ?? (env.WEFT_BUS || undefined)
  if (busUrl !== undefined && !/^nats:\/\//.test(busUrl)) throw new AuditCommandError(`--bus: expected a nats:// URL, got "${redactUrl(busUrl)}"`)
  const trust = str('trust')
  if (trust !== undefined && !replicas.some((r) => r.name === trust)) throw new AuditCommandError(`--trust: "${trust}" is not one of the --region/--node names`)
  return {
    help: values.help === true,
    db: str('db') ?? env.WEFT_DB ?? './weft.db',
    store,
    docs: str('docs'),
    json: values.json === true,
    repair: values.repair === true,
    preparedMaxAgeMs: parseDuration('prepared-max-age', str('prepared-max-age') ?? '60s'),
    replicaMaxLagMs: parseDuration('replica-max-lag', str('replica-max-lag') ?? '10s'),
    slotMaxLagBytes: parseSize('slot-max-lag', str('slot-max-lag') ?? '1GiB'),
    bus:
      busUrl === undefined
        ? undefined
        : { url: busUrl, streams: str('bus-streams'), maxPending: parseCount('bus-max-pending', str('bus-max-pending') ?? '1000') },
    // Only the bus: asked for it, and for no store (a default ./weft.db is not asking).
    busOnly: busUrl !== undefined && str('db') === undefined && store === undefined && env.WEFT_DB === undefined,
    replicas,
    credential,
    settleMs: parseDuration('settle', str('settle') ?? '2s'),
    trust,
  }
}

interface Output {
  write(s: string): unknown
}

/**
 * `weft-server audit …`: audits, prints the report, and resolves with the
 * exit code (0 clean, 1 findings left, 2 could not audit).
 */
export async function runAuditCommand(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  out: Output,
  err: Output & { isTTY?: boolean },
): Promise<number> {
  let config: AuditConfig
  try {
    config = parseAuditArgs(argv, env)
  } catch (error) {
    err.write(`weft-server audit: ${error instanceof Error ? error.message : String(error)}\n\n${AUDIT_USAGE}`)
    return 2
  }
  if (config.help) {
    out.write(AUDIT_USAGE)
    return 0
  }
  if (config.replicas.length > 0) return runReplicasAudit(config, out, err)
  if (config.busOnly) return runBusAudit(config, out)
  let opened: { store: Store; description: string; backend: () => RepairBackend }
  try {
    opened = await openAuditedStore(config)
  } catch (error) {
    err.write(`weft-server audit: could not open the store: ${error instanceof Error ? error.message : String(error)}\n`)
    return 2
  }
  const { store, description } = opened
  let backend: RepairBackend | undefined
  try {
    backend = config.repair ? opened.backend() : undefined
  } catch (error) {
    await store.close()
    err.write(`weft-server audit: ${error instanceof Error ? error.message : String(error)}\n`)
    return 2
  }
  const repairs: RepairOutcome[] = []
  let remaining = 0
  let lastProgress = 0
  try {
    const storeReport = await auditStore(store, {
      docs: config.docs,
      preparedMaxAgeMs: config.preparedMaxAgeMs,
      replicaMaxLagMs: config.replicaMaxLagMs,
      slotMaxLagBytes: config.slotMaxLagBytes,
      onDoc: async (audit, i) => {
        if (err.isTTY && Date.now() - lastProgress > 250) {
          lastProgress = Date.now()
          err.write(`\raudited ${i + 1} docs…`)
        }
        if (!backend || audit.findings.length === 0) return
        const { outcomes } = await repairDoc(store, backend, audit)
        repairs.push(...outcomes)
        // Shown on every node's dashboard with the auditor's findings [AUDIT-5].
        if (hasFindingsStore(store)) await recordRepairs(store, 'weft-server audit', outcomes)
      },
    })
    if (err.isTTY && lastProgress > 0) err.write('\r\u001b[K')
    const report = config.bus ? withEngine(storeReport, await auditBus(config.bus)) : storeReport
    // Engine findings and doc findings repair could not clear are what is left.
    remaining = backend ? report.findings.filter((f) => f.doc === undefined).length + repairs.filter((r) => !r.ok).length : report.findingsTotal
    if (config.json)
      out.write(
        `${JSON.stringify({ store: description, ...report, findings: report.findings.map(jsonFinding), ...(backend && { repairs, remaining }) }, null, 2)}\n`,
      )
    else out.write(formatAuditReport(report, description, backend ? repairs : undefined))
    // Its docs could not be read: could not audit, the report saying why [AUDIT-7].
    if (report.byCheck['pg-unreachable']) return 2
    return remaining > 0 ? 1 : 0
  } catch (error) {
    err.write(`weft-server audit: the audit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    return 2
  } finally {
    await backend?.close()
    await store.close()
  }
}

/** `--bus` alone: the bus's checks, as a report with no docs. */
async function runBusAudit(config: AuditConfig, out: Output): Promise<number> {
  const bus = config.bus as NonNullable<AuditConfig['bus']>
  const started = Date.now()
  const empty: AuditReport = {
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    docsAudited: 0,
    deltasAudited: 0,
    findingsTotal: 0,
    byCheck: {},
    findings: [],
    truncated: false,
    engine: [],
  }
  const report = { ...withEngine(empty, await auditBus(bus)), durationMs: Date.now() - started }
  const description = `the bus ${redactUrl(bus.url)}`
  if (config.json) out.write(`${JSON.stringify({ bus: redactUrl(bus.url), ...report, findings: report.findings.map(jsonFinding) }, null, 2)}\n`)
  else out.write(formatAuditReport(report, description, undefined))
  return report.findingsTotal > 0 ? 1 : 0
}

/** A report with more engine findings and notes (the bus's) merged in, engine findings first as before. */
function withEngine(report: AuditReport, more: { readonly findings: readonly Finding[]; readonly notes: readonly EngineNote[] }): AuditReport {
  const byCheck = { ...report.byCheck }
  for (const f of more.findings) byCheck[f.check] = (byCheck[f.check] ?? 0) + 1
  return {
    ...report,
    findingsTotal: report.findingsTotal + more.findings.length,
    byCheck,
    findings: [...more.findings, ...report.findings],
    engine: [...report.engine, ...more.notes],
  }
}

async function runReplicasAudit(config: AuditConfig, out: Output, err: Output & { isTTY?: boolean }): Promise<number> {
  let lastProgress = 0
  try {
    const report = await auditReplicas(config.replicas, {
      credential: config.credential as string,
      docs: config.docs,
      settleMs: config.settleMs,
      repair: config.repair,
      trust: config.trust,
      onDoc: (i) => {
        if (err.isTTY && Date.now() - lastProgress > 250) {
          lastProgress = Date.now()
          err.write(`\rcompared ${i + 1} docs…`)
        }
      },
    })
    if (err.isTTY && lastProgress > 0) err.write('\r\u001b[K')
    const description = config.replicas.map((r) => `${r.name}=${r.url}`).join(', ')
    if (config.json) {
      const findings = report.findings.map(({ fix, ...f }) => ({
        ...f,
        repairable: fix !== undefined,
        ...(fix && { repairAction: fix.kind, repairFrom: fix.from }),
      }))
      out.write(`${JSON.stringify({ compared: description, ...report, findings }, null, 2)}\n`)
    } else out.write(formatAuditReport(report, description, report.repairs))
    return report.remaining > 0 ? 1 : 0
  } catch (error) {
    err.write(
      `weft-server audit: ${error instanceof ReplicaUnreachableError ? error.message : `the audit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`}\n`,
    )
    return 2
  }
}

/** Bytes of a repair action are not worth printing. */
function jsonFinding(f: Finding): Record<string, unknown> {
  const { repair, ...rest } = f
  return { ...rest, repairable: repair !== undefined, ...(repair && { repairAction: repair.kind }) }
}

async function openAuditedStore(config: AuditConfig): Promise<{ store: Store; description: string; backend: () => RepairBackend }> {
  if (config.store !== undefined) {
    const { PostgresStore } = await import('../store/postgres-store.js')
    const options = { url: config.store, poolSize: 8, applicationName: 'weft-audit' }
    const store = await PostgresStore.open(options).catch(async (error: unknown) => {
      // 25006 read_only_sql_transaction: a hot standby, whose copy is audited as it is (nothing written to it) [AUDIT-7].
      if ((error as { code?: unknown }).code !== '25006') throw error
      return PostgresStore.open({ ...options, readOnly: true })
    })
    const description = redactUrl(config.store)
    const backend = () => {
      if (store.readOnly) throw new AuditCommandError(`${description} is read only (a standby): run --repair against the primary`)
      return postgresRepairBackend(store.pool)
    }
    return { store, description, backend }
  }
  // Opening a missing file would create an empty database and audit it clean.
  if (!existsSync(config.db)) throw new Error(`no SQLite database at ${config.db}: pass --db <file> (or --store postgres://…)`)
  const { SqliteStore } = await import('../store/sqlite-store.js')
  const store = new SqliteStore({ path: config.db })
  return { store, description: config.db, backend: () => sqliteRepairBackend(config.db) }
}
