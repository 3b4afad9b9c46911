import type { AuditReport } from './audit-store.js'
import type { EngineNote } from './finding.js'

/** A store's report, or a replica audit's (which has no engine notes of its own). */
type PrintedReport = Omit<AuditReport, 'engine'> & {
  readonly engine?: readonly EngineNote[] | undefined
  readonly receipts?: { readonly checked: number; readonly unchecked: readonly string[] } | undefined
}

/** What a repair did, as the report prints it (a store's repairs and a replica audit's). */
interface PrintedRepair {
  readonly ok: boolean
  readonly check: string
  readonly doc: string
  readonly replica?: string
  readonly note: string
}

/** The report as a person reads it: one line per finding, then what repair did, then a summary. */
export function formatAuditReport(report: PrintedReport, store: string, repairs: readonly PrintedRepair[] | undefined): string {
  const lines: string[] = []
  const what = report.deltasAudited > 0 ? `${report.docsAudited} docs, ${report.deltasAudited} deltas` : `${report.docsAudited} docs`
  lines.push(`weft audit of ${store}: ${what} in ${(report.durationMs / 1000).toFixed(1)} s`)
  for (const n of report.engine ?? []) lines.push(`engine ${n.check}: ${n.message}`)
  const r = report.receipts
  if (r)
    lines.push(
      `receipts: ${r.checked} write(s) acknowledged at a level checked against the regions that held them${r.unchecked.length > 0 ? ` (not audited, so not checked: ${r.unchecked.join(', ')})` : ''}`,
    )
  if (report.findingsTotal === 0) {
    lines.push('OK: no findings')
    return `${lines.join('\n')}\n`
  }
  lines.push('')
  const rows = report.findings.map((f) => [f.check, f.doc ?? '(engine)', f.message, f.repair || 'fix' in f ? 'repairable' : 'needs you'])
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] as string).length), i === 0 ? 5 : 3))
  lines.push(`${'CHECK'.padEnd(widths[0] as number)}  ${'DOC'.padEnd(widths[1] as number)}  FINDING`)
  for (const r of rows) lines.push(`${(r[0] as string).padEnd(widths[0] as number)}  ${(r[1] as string).padEnd(widths[1] as number)}  ${r[2]} [${r[3]}]`)
  if (report.truncated) lines.push(`… and ${report.findingsTotal - report.findings.length} more (see --json)`)
  if (repairs) {
    lines.push('', 'Repair:')
    if (repairs.length === 0) lines.push('  nothing to do')
    for (const r of repairs)
      lines.push(`  ${r.ok ? 'fixed   ' : 'NOT DONE'}  ${r.check}  ${r.doc}${r.replica !== undefined ? ` on ${r.replica}` : ''}: ${r.note}`)
  }
  const counts = Object.entries(report.byCheck)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
  lines.push('', `${report.findingsTotal} finding(s): ${counts}`)
  return `${lines.join('\n')}\n`
}
