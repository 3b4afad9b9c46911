import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { redactUrl } from '../redact-url.js'
import type { Store } from '../store/store.js'
import { formatAuditReport } from './audit-report-format.js'
import { auditStore } from './audit-store.js'
import { type RepairBackend, type RepairOutcome, postgresRepairBackend, repairDoc, sqliteRepairBackend } from './repair.js'

export const AUDIT_USAGE = `Usage: weft-server audit [--db <file> | --store <url>] [options]

Checks every doc of a store: seqs dense, no dot stored twice with different
content, every delta decodes and carries the dots it is filed under, the
snapshot matches the log it covers, the head's version vector sums snapshot and
log, no delta waits for a missing dependency; and the engine: SQLite
integrity_check, PostgreSQL prepared transactions left behind.

  --db <file>               SQLite file (env WEFT_DB, default ./weft.db)
  --store <url>             postgres://…: a PostgreSQL store instead (env WEFT_STORE)
  --docs <pattern>          only these docs; * matches anything ('note:*')
  --json                    the report as JSON on stdout
  --repair                  fix what can be fixed here and say what was done and what not
  --prepared-max-age <dur>  prepared transactions older than this are findings (default 60s)
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
}

export function parseAuditArgs(argv: readonly string[], env: Record<string, string | undefined>): AuditConfig {
  let values: Record<string, string | boolean | undefined>
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
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    throw new AuditCommandError(error instanceof Error ? error.message : String(error))
  }
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const store = str('store') ?? (env.WEFT_STORE || undefined)
  if (store !== undefined && !/^postgres(ql)?:\/\//.test(store)) throw new AuditCommandError(`--store: expected a postgres:// URL (a SQLite file goes in --db)`)
  const age = str('prepared-max-age') ?? '60s'
  const m = /^(\d+)(ms|s|m|h)?$/.exec(age)
  if (!m) throw new AuditCommandError(`--prepared-max-age: expected a duration such as 500ms, 30s, 5m or 1h, got "${age}"`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  return {
    help: values.help === true,
    db: str('db') ?? env.WEFT_DB ?? './weft.db',
    store,
    docs: str('docs'),
    json: values.json === true,
    repair: values.repair === true,
    preparedMaxAgeMs: Number(m[1]) * unit,
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
  let opened: { store: Store; description: string; backend: () => RepairBackend }
  try {
    opened = await openAuditedStore(config)
  } catch (error) {
    err.write(`weft-server audit: could not open the store: ${error instanceof Error ? error.message : String(error)}\n`)
    return 2
  }
  const { store, description } = opened
  const backend = config.repair ? opened.backend() : undefined
  const repairs: RepairOutcome[] = []
  let remaining = 0
  let lastProgress = 0
  try {
    const report = await auditStore(store, {
      docs: config.docs,
      preparedMaxAgeMs: config.preparedMaxAgeMs,
      onDoc: async (audit, i) => {
        if (err.isTTY && Date.now() - lastProgress > 250) {
          lastProgress = Date.now()
          err.write(`\raudited ${i + 1} docs…`)
        }
        if (!backend || audit.findings.length === 0) return
        const { outcomes } = await repairDoc(store, backend, audit)
        repairs.push(...outcomes)
      },
    })
    if (err.isTTY && lastProgress > 0) err.write('\r\u001b[K')
    // Engine findings and doc findings repair could not clear are what is left.
    remaining = backend ? report.findings.filter((f) => f.doc === undefined).length + repairs.filter((r) => !r.ok).length : report.findingsTotal
    if (config.json)
      out.write(
        `${JSON.stringify({ store: description, ...report, findings: report.findings.map(jsonFinding), ...(backend && { repairs, remaining }) }, null, 2)}\n`,
      )
    else out.write(formatAuditReport(report, description, backend ? repairs : undefined))
    return remaining > 0 ? 1 : 0
  } catch (error) {
    err.write(`weft-server audit: the audit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    return 2
  } finally {
    await backend?.close()
    await store.close()
  }
}

/** Bytes of a repair action are not worth printing. */
function jsonFinding(f: import('./finding.js').Finding): Record<string, unknown> {
  const { repair, ...rest } = f
  return { ...rest, repairable: repair !== undefined, ...(repair && { repairAction: repair.kind }) }
}

async function openAuditedStore(config: AuditConfig): Promise<{ store: Store; description: string; backend: () => RepairBackend }> {
  if (config.store !== undefined) {
    const { PostgresStore } = await import('../store/postgres-store.js')
    const store = await PostgresStore.open({ url: config.store, poolSize: 8, applicationName: 'weft-audit' })
    return { store, description: redactUrl(config.store), backend: () => postgresRepairBackend(store.pool) }
  }
  // Opening a missing file would create an empty database and audit it clean.
  if (!existsSync(config.db)) throw new Error(`no SQLite database at ${config.db}: pass --db <file> (or --store postgres://…)`)
  const { SqliteStore } = await import('../store/sqlite-store.js')
  const store = new SqliteStore({ path: config.db })
  return { store, description: config.db, backend: () => sqliteRepairBackend(config.db) }
}
