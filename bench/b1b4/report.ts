/**
 * The markdown report of a `bench:b1b4` run: per group, one table per figure (a row per scenario,
 * a column per library, Weft ÷ best peer and the issue #23 target), then a summary of the targets
 * Weft misses and the callgrind instruction counts.
 */
import { LIBS, type LibName } from '../crdt/adapters/lib-names.js'
import type { Outcome } from './child.js'
import type { LibCell, ScenarioResult, SuiteResults } from './results.js'
import type { Group } from './scenarios.js'

/** How a figure is read from a cell, shown and judged against its target. */
interface Figure {
  readonly title: string
  readonly unit: 'ms' | 'bytes'
  read(cell: LibCell): number | undefined
  /** Issue #23's bound as a multiple of the best peer (none: reported only). */
  readonly target?: number
}

const fromMedian = (key: string) => (cell: LibCell) => cell.median?.[key]
const fromOk = (pick: (c: LibCell) => Outcome | null, key: string) => (cell: LibCell) => {
  const o = pick(cell)
  return o?.status === 'ok' ? o.figures[key] : undefined
}

const UPDATE_TITLE: Record<Group, string> = {
  B1: 'average update size (bytes per change)',
  B2: 'update size (bytes per client, average of the two)',
  B3: 'all updates (bytes)',
  B4: 'all updates (bytes)',
}

function figures(group: Group): Figure[] {
  return [
    { title: 'time (CPU ms)', unit: 'ms', read: fromMedian('cpuMs'), target: 1 },
    { title: 'time (wall ms)', unit: 'ms', read: fromMedian('ms') },
    { title: UPDATE_TITLE[group], unit: 'bytes', read: fromMedian('updateFigure'), target: 1 },
    { title: 'doc size (bytes)', unit: 'bytes', read: fromMedian('docBytes'), target: 1 },
    { title: 'parse (CPU ms)', unit: 'ms', read: fromMedian('parseCpuMs'), target: 1.5 },
    { title: 'encode (wall ms)', unit: 'ms', read: fromMedian('encodeMs') },
    { title: 'memory of the parsed doc (bytes)', unit: 'bytes', read: fromOk((c) => c.memory, 'bytes') },
  ]
}

function fmt(v: number | undefined, unit: Figure['unit']): string {
  if (v === undefined) return '–'
  if (unit === 'bytes') return Math.round(v).toLocaleString('en-US')
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1)
}

function cellText(cell: LibCell | undefined, fig: Figure): string {
  if (cell === undefined) return ''
  const v = fig.read(cell)
  if (v !== undefined) return fmt(v, fig.unit)
  const bad = cell.runs.find((r) => r.status !== 'ok')
  if (bad?.status === 'timeout') return `timeout (>${bad.limitMs / 1000} s)`
  if (bad?.status === 'error') return 'error'
  return '–'
}

const ratio = (x: number): string => (x >= 10 ? `${x.toFixed(0)}×` : x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toFixed(3)}×`)

interface Judged {
  readonly best?: { readonly lib: LibName; readonly value: number }
  readonly weft?: number
  readonly ratio?: number
}

function judge(s: ScenarioResult, fig: Figure, libs: readonly LibName[]): Judged {
  const weftCell = s.libs.weft
  const weft = weftCell === undefined ? undefined : fig.read(weftCell)
  let best: Judged['best']
  for (const lib of libs) {
    if (lib === 'weft') continue
    const cell = s.libs[lib]
    const v = cell === undefined ? undefined : fig.read(cell)
    if (v !== undefined && (best === undefined || v < best.value)) best = { lib, value: v }
  }
  if (weft === undefined || best === undefined) return { ...(best ? { best } : {}), ...(weft !== undefined ? { weft } : {}) }
  return { best, weft, ratio: best.value === 0 ? (weft === 0 ? 1 : Number.POSITIVE_INFINITY) : weft / best.value }
}

function verdict(j: Judged, target: number | undefined): string {
  if (target === undefined || j.ratio === undefined) return ''
  if (j.ratio <= target) return 'met'
  return `missed by ${((j.ratio / target - 1) * 100).toFixed(0)}%`
}

function table(r: SuiteResults, group: Group, fig: Figure, libs: readonly LibName[]): string {
  const rows = r.scenarios.filter((s) => s.group === group)
  const head = ['scenario', ...libs, 'weft ÷ best peer', ...(fig.target !== undefined ? [`target (≤ ${fig.target}×)`] : [])]
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`]
  for (const s of rows) {
    const j = judge(s, fig, libs)
    const best = j.ratio === undefined || j.best === undefined ? '–' : `${ratio(j.ratio)} (${j.best.lib})`
    const cols = [`[${s.id}] ${s.title}`, ...libs.map((l) => cellText(s.libs[l], fig)), best, ...(fig.target !== undefined ? [verdict(j, fig.target)] : [])]
    lines.push(`| ${cols.join(' | ')} |`)
  }
  return `${lines.join('\n')}\n`
}

/** Every target Weft misses in this run, worst first. */
export function misses(r: SuiteResults): { id: string; figure: string; ratio: number; target: number; best: LibName }[] {
  const libs = LIBS.filter((l) => r.scenarios.some((s) => s.libs[l] !== undefined))
  const out: { id: string; figure: string; ratio: number; target: number; best: LibName }[] = []
  for (const s of r.scenarios) {
    for (const fig of figures(s.group)) {
      if (fig.target === undefined) continue
      const j = judge(s, fig, libs)
      if (j.ratio !== undefined && j.best !== undefined && j.ratio > fig.target)
        out.push({ id: s.id, figure: fig.title, ratio: j.ratio, target: fig.target, best: j.best.lib })
    }
  }
  return out.sort((a, b) => b.ratio / b.target - a.ratio / a.target)
}

function instructionsTable(instr: SuiteResults): string {
  const libs = LIBS.filter((l) => instr.scenarios.some((s) => s.libs[l] !== undefined))
  const head = ['scenario', 'section', ...libs, 'weft ÷ best peer']
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '--:')).join('|')}|`]
  for (const s of instr.scenarios) {
    for (const section of ['time', 'parse']) {
      const fig: Figure = { title: section, unit: 'bytes', read: fromOk((c) => c.instructions, section) }
      const j = judge(s, fig, libs)
      const cols = libs.map((l) => {
        const cell = s.libs[l]
        const o = cell?.instructions
        if (o?.status === 'skipped') return 'skipped'
        if (o?.status === 'timeout') return 'timeout'
        if (o?.status === 'error') return 'error'
        const v = cell === undefined ? undefined : fig.read(cell)
        return v === undefined ? '–' : `${(v / 1e6).toFixed(1)} M`
      })
      const best = j.ratio === undefined || j.best === undefined ? '–' : `${ratio(j.ratio)} (${j.best.lib})`
      lines.push(`| [${s.id}] | ${section} | ${cols.join(' | ')} | ${best} |`)
    }
  }
  return `${lines.join('\n')}\n`
}

const GROUP_TITLES: Record<Group, string> = {
  B1: 'B1: one client, no conflicts (the second client applies every update)',
  B2: 'B2: two clients, one concurrent transaction each, then the sync',
  B3: 'B3: 20·⌊√N⌋ clients, one concurrent change each; one client applies all updates',
  B4: 'B4: the real editing trace (automerge-paper), one transaction per delete and per insert',
}

export function renderMarkdown(r: SuiteResults): string {
  const libs = LIBS.filter((l) => r.scenarios.some((s) => s.libs[l] !== undefined))
  const out: string[] = []
  out.push('# B1–B4: the crdt-benchmarks suite\n')
  out.push(`- date: ${r.date}, commit ${r.commit ?? 'unknown'}`)
  out.push(
    `- machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; load average at start ${r.loadAverage.map((x) => x.toFixed(1)).join(', ')} (a shared machine)`,
  )
  out.push(`- versions: ${libs.map((l) => `${l} ${r.versions[l] ?? '?'}`).join(', ')}`)
  if (r.weftBuild !== null) out.push(`- weft build: dist/index.js sha256 ${r.weftBuild.sha256}…, built ${r.weftBuild.builtAt} (pinned for the whole run)`)
  out.push(
    `- N = ${r.n.toLocaleString('en-US')}; B3 clients = ${r.b3Clients.toLocaleString('en-US')}; runs: ${libs.map((l) => `${l} ${r.runs[l] ?? '?'}`).join(', ')} (medians); ${r.pinning}, each measurement in a fresh process`,
  )
  out.push(
    '- time and parse are judged on CPU time (user + system of the process over the section): on this shared machine wall time is mostly waiting for a core; the wall figures are kept for reference',
  )
  out.push('- targets (issue #23): time ≤ best peer, encoded size (updates and doc) ≤ best peer, parse ≤ 1.5 × best peer\n')
  const groups: Group[] = ['B1', 'B2', 'B3', 'B4']
  for (const g of groups) {
    if (!r.scenarios.some((s) => s.group === g)) continue
    out.push(`## ${GROUP_TITLES[g]}\n`)
    for (const fig of figures(g)) {
      out.push(`### ${g} — ${fig.title}\n`)
      out.push(table(r, g, fig, libs))
    }
  }
  const missed = misses(r)
  out.push('## Targets Weft misses in this run\n')
  if (missed.length === 0) out.push('None.\n')
  else {
    out.push('| scenario | figure | weft ÷ best peer | target | missed by |')
    out.push('|---|---|--:|--:|--:|')
    for (const m of missed)
      out.push(`| ${m.id} | ${m.figure} | ${ratio(m.ratio)} (${m.best}) | ≤ ${m.target}× | ${((m.ratio / m.target - 1) * 100).toFixed(0)}% |`)
    out.push('')
  }
  const counted = r.scenarios.filter((s) => Object.values(s.libs).some((c) => c.instructions !== null))
  if (counted.length > 0) {
    out.push('## Instruction counts (callgrind)\n')
    out.push(
      'Instructions executed by the whole process (all threads: JIT compilers and GC included) over each section, counted once per library under `valgrind --tool=callgrind` (`callgrind_control -z` before the section, `-d` after it). Deterministic up to JIT and GC timing, so fair on a shared machine; a measurement whose median CPU time was too long for callgrind is skipped.\n',
    )
    out.push(instructionsTable({ ...r, scenarios: counted }))
  }
  return `${out.join('\n')}\n`
}
