/**
 * Renders results as markdown tables (one per trace, with Weft / peer ratios) and as JSON.
 */
import { LIBS, type LibName } from './adapters/types.js'
import type { BenchResults, StepResult, TraceResult } from './results.js'
import type { StepName } from './steps.js'
import { TARGET_TRACE, checkTargets } from './targets.js'

interface Figure {
  readonly label: string
  readonly step: StepName
  readonly key: string
  readonly unit: 'ms' | 'bytes'
  /** A part of the figure above: shown without ratios (a part alone compares nothing). */
  readonly part?: true
}

const SEQUENTIAL_FIGURES: readonly Figure[] = [
  { label: 'local apply (ms)', step: 'local', key: 'ms', unit: 'ms' },
  { label: 'remote apply (ms)', step: 'remote', key: 'ms', unit: 'ms' },
  { label: 'snapshot (bytes)', step: 'local', key: 'snapshotBytes', unit: 'bytes' },
  { label: 'load (ms)', step: 'load', key: 'ms', unit: 'ms' },
  { label: 'memory (bytes)', step: 'memory', key: 'bytes', unit: 'bytes' },
  { label: '↳ JS heap (bytes)', step: 'memory', key: 'heapBytes', unit: 'bytes', part: true },
  { label: '↳ wasm memory (bytes)', step: 'memory', key: 'wasmBytes', unit: 'bytes', part: true },
  { label: 'all updates (bytes)', step: 'local', key: 'updateBytes', unit: 'bytes' },
  { label: 'snapshot encode (ms)', step: 'local', key: 'snapshotMs', unit: 'ms' },
]

const CONCURRENT_FIGURES: readonly Figure[] = [{ label: 'merge (ms)', step: 'merge', key: 'ms', unit: 'ms' }]

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

function formatValue(v: number, unit: Figure['unit']): string {
  if (unit === 'bytes') return int.format(v)
  if (v < 10) return v.toFixed(2)
  if (v < 1000) return v.toFixed(1)
  return int.format(v)
}

function value(step: StepResult | undefined, key: string): number | undefined {
  return step?.median?.[key]
}

/** A cell: the median, marked when only some runs succeeded, or why there is none. */
function cell(step: StepResult | undefined, fig: Figure): string {
  if (step === undefined) return ''
  const v = value(step, fig.key)
  const ok = step.runs.filter((r) => r.status === 'ok').length
  if (v !== undefined) return ok < step.runs.length ? `${formatValue(v, fig.unit)} (${ok}/${step.runs.length} ok)` : formatValue(v, fig.unit)
  const failed = step.runs.find((r) => r.status !== 'ok')
  if (failed?.status === 'timeout') return `timeout (>${int.format(failed.limitMs / 1000)} s)`
  if (failed?.status === 'skipped') return 'skipped'
  return 'ERROR'
}

function ratio(weft: number | undefined, peer: number | undefined): string {
  if (weft === undefined || peer === undefined || peer === 0) return '–'
  const r = weft / peer
  return `${r < 0.1 ? r.toFixed(3) : r.toFixed(2)}×`
}

function traceTable(t: TraceResult, libs: readonly LibName[], runs: number): string {
  const figures = t.kind === 'sequential' ? SEQUENTIAL_FIGURES : CONCURRENT_FIGURES
  const peers = libs.includes('weft') ? libs.filter((l) => l !== 'weft') : []
  const best = peers.length > 1 ? ['weft / best peer'] : []
  const head = ['figure', ...libs, ...peers.map((p) => `weft / ${p}`), ...best]
  const lines = [
    `### ${t.name} (${t.kind}, ${int.format(t.txns)} txns, final length ${int.format(t.finalLength)}; median of ${runs} run${runs === 1 ? '' : 's'})`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`,
  ]
  for (const fig of figures) {
    const steps = libs.map((l) => t.libs[l]?.[fig.step])
    if (steps.every((s) => s === undefined)) continue
    const weft = value(t.libs.weft?.[fig.step], fig.key)
    const row = [
      fig.label,
      ...steps.map((s) => cell(s, fig)),
      ...peers.map((p) => (fig.part ? '' : ratio(weft, value(t.libs[p]?.[fig.step], fig.key)))),
      ...best.map(() => (fig.part ? '' : ratio(weft, bestPeer(t, peers, fig)))),
    ]
    lines.push(`| ${row.join(' | ')} |`)
  }
  const errors = libs.flatMap((l) =>
    Object.entries(t.libs[l] ?? {}).flatMap(([step, s]) =>
      s.runs.flatMap((r, i) => (r.status === 'error' ? [`- ${l} ${step} run ${i + 1}: ${firstLine(r.error)}`] : [])),
    ),
  )
  if (errors.length > 0) lines.push('', '**Errors**', '', ...errors)
  if (t.name === TARGET_TRACE && libs.includes('weft')) lines.push('', targetTable(t))
  return lines.join('\n')
}

/** Lowest peer median of a figure (every figure is lower-is-better). */
function bestPeer(t: TraceResult, peers: readonly LibName[], fig: Figure): number | undefined {
  const vs = peers.map((p) => value(t.libs[p]?.[fig.step], fig.key)).filter((v) => v !== undefined)
  return vs.length === 0 ? undefined : Math.min(...vs)
}

function targetTable(t: TraceResult): string {
  const lines = [
    `Targets of issue 3 on ${t.name} (against this run's peers):`,
    '',
    '| figure | target | bound | weft | weft / bound | |',
    '|---|---|--:|--:|--:|---|',
  ]
  for (const c of checkTargets(t)) {
    const unit = c.figure.endsWith('(bytes)') ? 'bytes' : 'ms'
    const fmt = (v: number | undefined): string => (v === undefined ? '–' : formatValue(v, unit))
    const verdict = c.factor === undefined ? 'no data' : c.factor <= 1 ? 'met' : `missed by ${((c.factor - 1) * 100).toFixed(0)}%`
    const factor = c.factor === undefined ? '–' : `${c.factor.toFixed(2)}×`
    lines.push(`| ${c.figure} | ${c.target} | ${fmt(c.bound)} | ${fmt(c.weft)} | ${factor} | ${verdict} |`)
  }
  return lines.join('\n')
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}

/** The whole report: header (date, machine, versions, methods), then one table per trace. */
export function toMarkdown(r: BenchResults): string {
  const libs = LIBS.filter((l) => r.traces.some((t) => t.libs[l] !== undefined))
  const gib = (r.machine.memoryBytes / 2 ** 30).toFixed(0)
  const out = [
    `# CRDT benchmark${r.quick ? ' (quick: correctness only, timings not meaningful)' : ''}`,
    '',
    `- date: ${r.date}${r.commit === null ? '' : `, commit ${r.commit}`}`,
    `- machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${gib} GiB, ${r.machine.os}, Node ${r.machine.node}`,
    `- versions: ${libs.map((l) => `${l} ${r.versions[l] ?? '?'}`).join(', ')}`,
    ...(r.weftBuild === null ? [] : [`- weft build: dist/index.js sha256 ${r.weftBuild.sha256}…, built ${r.weftBuild.builtAt} (pinned for the whole run)`]),
    `- each figure is the median over ${r.runs} run${r.runs === 1 ? '' : 's'}, each measurement in a fresh Node process; ratios are Weft / peer (below 1 means Weft is faster or smaller)`,
    '',
    '| library | per-transaction update | snapshot |',
    '|---|---|---|',
    ...libs.map((l) => `| ${l} | ${r.methods[l]?.update ?? ''} | ${r.methods[l]?.snapshot ?? ''} |`),
    '',
  ]
  for (const t of r.traces) out.push(traceTable(t, libs, r.runs), '')
  return out.join('\n')
}

export function toJson(r: BenchResults): string {
  return `${JSON.stringify(r, null, 2)}\n`
}
