import type { ScenarioName, ServerKind } from './protocol.js'

export type ScenarioResult = { ok: boolean; error?: string } & Record<string, unknown>

export interface BenchResults {
  meta: Record<string, unknown>
  scenarios: Partial<Record<ScenarioName, Partial<Record<ServerKind, ScenarioResult>>>>
}

interface Metric {
  readonly key: string
  readonly label: string
  /** Which direction wins; `info` rows get no ratio. */
  readonly better: 'lower' | 'higher' | 'info'
  /** Shown only when some server has it (figures of a `--instr` run). */
  readonly optional?: true
}

/** Instruction counts of a `--instr` run, after the CPU figures. */
const INSTRUCTIONS: readonly Metric[] = [
  { key: 'serverInstructionsPerDelivery', label: 'server instructions per delivered edit (callgrind)', better: 'lower', optional: true },
  { key: 'serverInstructions', label: 'server instructions over the window (callgrind)', better: 'info', optional: true },
]

const METRICS: Record<ScenarioName, readonly Metric[]> = {
  'fan-out': [
    { key: 'loadavg1', label: 'machine load average (1 min) at start', better: 'info' },
    { key: 'p50Ms', label: 'p50 send→receipt (ms)', better: 'lower' },
    { key: 'p99Ms', label: 'p99 send→receipt (ms)', better: 'lower' },
    { key: 'deliveriesPerSecond', label: 'deliveries/s', better: 'higher' },
    { key: 'deliveries', label: 'deliveries (of expected ↓)', better: 'info' },
    { key: 'deliveriesExpected', label: 'deliveries expected', better: 'info' },
    { key: 'bytesPerDelivery', label: 'bytes received per delivered edit', better: 'lower' },
    { key: 'serverCpuUsPerDelivery', label: 'server CPU per delivered edit (µs)', better: 'lower' },
    { key: 'serverUserCpuUsPerDelivery', label: '↳ of it in user space (µs)', better: 'lower', optional: true },
    { key: 'serverCpuPercent', label: 'server CPU (% of a core)', better: 'lower' },
    ...INSTRUCTIONS,
    { key: 'serverPeakRssMB', label: 'server peak RSS (MB)', better: 'lower' },
    { key: 'loadgenCpuPercent', label: 'load-generator CPU (%)', better: 'info' },
  ],
  'many-docs': [
    { key: 'loadavg1', label: 'machine load average (1 min) at start', better: 'info' },
    { key: 'deliveriesPerSecond', label: 'throughput (deliveries/s)', better: 'higher' },
    { key: 'p50Ms', label: 'p50 (ms)', better: 'lower' },
    { key: 'p99Ms', label: 'p99 (ms)', better: 'lower' },
    { key: 'bytesPerDelivery', label: 'bytes received per delivered edit', better: 'lower' },
    { key: 'serverCpuUsPerDelivery', label: 'server CPU per delivered edit (µs)', better: 'lower' },
    { key: 'serverUserCpuUsPerDelivery', label: '↳ of it in user space (µs)', better: 'lower', optional: true },
    { key: 'serverCpuPercent', label: 'server CPU (% of a core)', better: 'lower' },
    ...INSTRUCTIONS,
    { key: 'serverPeakRssMB', label: 'server peak RSS (MB)', better: 'lower' },
    { key: 'connectMs', label: 'time to connect all (ms)', better: 'lower' },
    { key: 'loadgenCpuPercent', label: 'load-generator CPU (%)', better: 'info' },
  ],
  connections: [
    { key: 'loadavg1', label: 'machine load average (1 min) at start', better: 'info' },
    { key: 'connectionsHeld', label: 'idle connections held', better: 'higher' },
    { key: 'serverRssPerConnectionKB', label: 'server RSS per connection (KB)', better: 'lower' },
    { key: 'serverRssMB', label: 'server RSS at the end (MB)', better: 'lower' },
    { key: 'openMs', label: 'time to open them (ms)', better: 'lower' },
  ],
  'catch-up': [
    { key: 'loadavg1', label: 'machine load average (1 min) at start', better: 'info' },
    { key: 'bytesReceived', label: 'bytes received', better: 'lower' },
    { key: 'missedEncodedBytes', label: 'encoded size of the missed edits', better: 'info' },
    { key: 'bytesRatio', label: 'received / encoded missed', better: 'lower' },
    { key: 'reconnectToCompleteMs', label: 'reconnect → all edits (ms)', better: 'lower' },
    { key: 'writerAckedMs', label: 'writer: 10k edits acked (ms)', better: 'info' },
  ],
  'cold-load': [
    { key: 'loadavg1', label: 'machine load average (1 min) at start', better: 'info' },
    { key: 'completeMs', label: 'connect → whole doc (ms)', better: 'lower' },
    { key: 'bytesReceived', label: 'bytes received', better: 'lower' },
    { key: 'serverRestartMs', label: 'server restart to listening (ms)', better: 'info' },
  ],
}

const NOTE =
  'Durability differs: Weft acks a delta only after its SQLite transaction COMMITs (WAL, synchronous=FULL, on a worker thread) ' +
  'and fans it out before that commit ([FAN-1]); y-websocket persists nothing (no YPERSISTENCE, as `npx y-websocket`; for cold-load only, updates are ' +
  'appended to a file without fsync) and sends no acks; Hocuspocus acks on apply and writes the doc to SQLite after a 2–10 s debounce.'

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '–'
  return v === undefined || v === null ? '–' : String(v)
}

/** Weft divided by the better peer (the lower or higher one, per metric). */
export function ratio(m: Metric, weft: unknown, peers: readonly unknown[]): string {
  if (m.better === 'info' || typeof weft !== 'number') return ''
  const nums = peers.filter((p): p is number => typeof p === 'number' && Number.isFinite(p) && p > 0)
  if (nums.length === 0) return ''
  const best = m.better === 'lower' ? Math.min(...nums) : Math.max(...nums)
  return `${(weft / best).toFixed(2)}×`
}

/** Markdown tables, one per scenario, with Weft / better-peer ratios. */
export function renderReport(r: BenchResults): string {
  const servers: ServerKind[] = ['weft', 'y-websocket', 'hocuspocus']
  const lines: string[] = ['# Sync server benchmark', '', `> ${NOTE}`, '']
  const meta = r.meta
  const loads = (k: string): string => fmt((meta[k] as number[] | undefined)?.join(' '))
  lines.push(
    `Node ${fmt(meta.node)}, ${fmt(meta.cpus)} CPUs, load average (1/5/15 min) at start ${loads('loadavgAtStart')}, at end ${loads('loadavgAtEnd')}${meta.quick ? ', QUICK sizes' : ''}; ${fmt(meta.pinning)}.`,
    '',
  )
  if (typeof meta.instr === 'string') lines.push(`**Instruction-count run:** ${meta.instr}.`, '')
  lines.push(...targetsTable(r))
  for (const [name, row] of Object.entries(r.scenarios) as [ScenarioName, Partial<Record<ServerKind, ScenarioResult>>][]) {
    lines.push(`## ${name}`, '', `| metric | ${servers.join(' | ')} | Weft / better peer |`, `|---|${servers.map(() => '---:').join('|')}|---:|`)
    for (const m of METRICS[name]) {
      const vals = servers.map((s) => (row[s]?.ok ? row[s]?.[m.key] : undefined))
      if (m.optional && vals.every((v) => v === undefined)) continue
      lines.push(`| ${m.label} | ${vals.map(fmt).join(' | ')} | ${ratio(m, vals[0], vals.slice(1))} |`)
    }
    const view = row.weft?.ok ? (row.weft.weftServer as Record<string, unknown> | undefined) : undefined
    if (view && typeof view.acks === 'number' && view.acks > 0) {
      lines.push(
        '',
        `Weft server's own metrics: ${fmt(view.acks)} acks, mean receive→ack (durable commit) ${fmt(view.ackMeanMs)} ms, ` +
          `p50 ≤ ${fmt(view.ackP50AtMostMs)} ms, p99 ≤ ${fmt(view.ackP99AtMostMs)} ms; ${fmt(view.commits)} SQLite commits, ${fmt(view.meanAppendsPerCommit)} appends each.`,
      )
    }
    if (name === 'many-docs') lines.push(...saturationTables(row))
    for (const s of servers) {
      const res = row[s]
      if (res && !res.ok) lines.push('', `${s} failed: ${String(res.error).split('\n')[0]}`)
    }
    lines.push('')
  }
  return `${lines.join('\n')}\n`
}

interface Sustained {
  p99BoundMs: number
  offeredPerSecond: number | null
  sentPerSecond: number | null
  deliveriesPerSecond: number
  p99Ms: number | null
  serverCpuPercent: number | null
  loadgenCpuPercent: number | null
}

interface SaturationView {
  p99BoundsMs: number[]
  stoppedBy: string
  sustained: Sustained[]
  steps: Record<string, number | null>[]
}

/** The many-docs saturation search: the sustained rate per server at each common p99 bound, then every step. */
function saturationTables(row: Partial<Record<ServerKind, ScenarioResult>>): string[] {
  const servers: ServerKind[] = ['weft', 'y-websocket', 'hocuspocus']
  const sat = servers.map((s) => (row[s]?.ok ? (row[s]?.saturation as SaturationView | undefined) : undefined))
  const first = sat.find((x) => x !== undefined)
  if (!first) return []
  const out = [
    '',
    `### many-docs saturation search (common p99 bounds ${first.p99BoundsMs.join(' / ')} ms; a step counts only with ≥ 99 % of its edits delivered)`,
    '',
    `| metric | ${servers.join(' | ')} | Weft / better peer |`,
    `|---|${servers.map(() => '---:').join('|')}|---:|`,
  ]
  const rowOf = (label: string, pick: (v: SaturationView) => unknown, better: Metric['better']): string => {
    const vals = sat.map((v) => (v ? pick(v) : undefined))
    return `| ${label} | ${vals.map(fmt).join(' | ')} | ${ratio({ key: '', label, better }, vals[0], vals.slice(1))} |`
  }
  first.p99BoundsMs.forEach((bound, i) => {
    const at = (v: SaturationView): Sustained | undefined => v.sustained[i]
    out.push(
      rowOf(`highest throughput with p99 ≤ ${bound} ms (deliveries/s)`, (v) => at(v)?.deliveriesPerSecond, 'higher'),
      rowOf(
        `… there: offered / sent edits/s, p99 ms, server CPU %, load-generator CPU %`,
        (v) => {
          const x = at(v)
          return x && x.deliveriesPerSecond > 0
            ? `${fmt(x.offeredPerSecond)} / ${fmt(x.sentPerSecond)}, ${fmt(x.p99Ms)}, ${fmt(x.serverCpuPercent)}, ${fmt(x.loadgenCpuPercent)}`
            : undefined
        },
        'info',
      ),
    )
  })
  out.push(
    rowOf('search ended by', (v) => v.stoppedBy, 'info'),
    '',
    'Every step (offered → sent edits/s → deliveries/s, p99 ms, share delivered, server CPU %, load-generator CPU %):',
    '',
    '| server | steps |',
    '|---|---|',
  )
  servers.forEach((s, i) => {
    const v = sat[i]
    if (!v) return
    const steps = v.steps.map(
      (st) =>
        `${fmt(st.offeredEditsPerSecond)} → ${fmt(st.sentPerSecond)} → ${fmt(st.deliveriesPerSecond)}, ${fmt(st.p99Ms)} ms, ${fmt(st.deliveredShare === null || st.deliveredShare === undefined ? null : Math.round(st.deliveredShare * 1000) / 10)} %, ${fmt(st.serverCpuPercent)} %, ${fmt(st.loadgenCpuPercent)} %`,
    )
    out.push(`| ${s} | ${steps.join('<br>')} |`)
  })
  return out
}

/** The better (lower or higher) of the peers' values, or undefined. */
function bestPeer(
  row: Partial<Record<ServerKind, ScenarioResult>> | undefined,
  pick: (r: ScenarioResult) => unknown,
  better: 'lower' | 'higher',
): { value: number; server: ServerKind } | undefined {
  let best: { value: number; server: ServerKind } | undefined
  for (const server of ['y-websocket', 'hocuspocus'] as const) {
    const r = row?.[server]
    const v = r?.ok ? pick(r) : undefined
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) continue
    if (!best || (better === 'lower' ? v < best.value : v > best.value)) best = { value: v, server }
  }
  return best
}

function weftValue(row: Partial<Record<ServerKind, ScenarioResult>> | undefined, pick: (r: ScenarioResult) => unknown): number | undefined {
  const r = row?.weft
  const v = r?.ok ? pick(r) : undefined
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/**
 * Issue 8's targets, judged on this run's figures: each says met or missed,
 * the same-run ratio, and by how much it is missed.
 */
export function targetsTable(r: BenchResults): string[] {
  const rows: string[] = []
  const verdict = (ok: boolean, by: string): string => (ok ? '**met**' : `**missed** (${by})`)
  const x = (n: number): string => `${n.toFixed(2)}×`

  const fan = r.scenarios['fan-out']
  const fanW = weftValue(fan, (v) => v.p99Ms)
  const fanP = bestPeer(fan, (v) => v.p99Ms, 'lower')
  if (fanW !== undefined && fanP) {
    const ratio = fanW / fanP.value
    const ok = ratio <= 0.5 && fanW <= 50
    const by = [ratio > 0.5 ? `ratio ${x(ratio)} vs ≤ 0.50×` : '', fanW > 50 ? `${fanW} ms vs ≤ 50 ms` : ''].filter(Boolean).join('; ')
    rows.push(`| fan-out p99 ≤ 0.5 × better peer and ≤ 50 ms | ${fanW} ms vs ${fanP.value} ms (${fanP.server}) | ${x(ratio)} | ${verdict(ok, by)} |`)
  }

  const many = r.scenarios['many-docs']
  const bounds = (many?.weft?.saturation as { p99BoundsMs?: number[] } | undefined)?.p99BoundsMs ?? []
  bounds.forEach((bound, i) => {
    const at = (v: ScenarioResult): unknown =>
      (v.saturation as { sustained?: { deliveriesPerSecond: number }[] } | undefined)?.sustained?.[i]?.deliveriesPerSecond
    const w = weftValue(many, at) ?? 0
    const p = bestPeer(many, at, 'higher')
    const label = `many-docs throughput ≥ 2 × better peer at p99 ≤ ${bound} ms`
    if (!p) {
      rows.push(
        w > 0
          ? `| ${label} | Weft ${w} deliveries/s; no peer kept p99 within the bound at any rate | – | **met** on this run (no peer figure to divide by) |`
          : `| ${label} | nobody kept p99 within the bound at any rate | – | **not shown** |`,
      )
      return
    }
    const ratio = w / p.value
    rows.push(`| ${label} | ${w} vs ${p.value} deliveries/s (${p.server}) | ${x(ratio)} | ${verdict(ratio >= 2, `${x(ratio)} vs ≥ 2.00×`)} |`)
  })

  const conns = r.scenarios.connections
  const cW = weftValue(conns, (v) => v.serverRssPerConnectionKB)
  const cP = bestPeer(conns, (v) => v.serverRssPerConnectionKB, 'lower')
  if (cW !== undefined && cP) {
    const ratio = cW / cP.value
    rows.push(
      `| RSS per idle connection ≤ 0.5 × better peer | ${cW} KB vs ${cP.value} KB (${cP.server}) | ${x(ratio)} | ${verdict(ratio <= 0.5, `${x(ratio)} vs ≤ 0.50×; ≤ ${(cP.value / 2).toFixed(1)} KB needed`)} |`,
    )
  }

  // Issue 23: server CPU per delivered edit against each peer by name (Hocuspocus persists, y-websocket does not).
  for (const name of ['fan-out', 'many-docs'] as const) {
    const sc = r.scenarios[name]
    const w = weftValue(sc, (v) => v.serverCpuUsPerDelivery)
    for (const [peer, bound] of [
      ['hocuspocus', 0.5],
      ['y-websocket', 1],
    ] as const) {
      const p = sc?.[peer]
      const pv = p?.ok ? p.serverCpuUsPerDelivery : undefined
      if (w === undefined || typeof pv !== 'number' || pv <= 0) continue
      const ratio = w / pv
      rows.push(
        `| ${name}: server CPU per delivered edit ≤ ${bound.toFixed(1)} × ${peer} | ${w} µs vs ${pv} µs | ${x(ratio)} | ${verdict(ratio <= bound, `${x(ratio)} vs ≤ ${bound.toFixed(2)}×`)} |`,
      )
    }
  }

  const catchUp = r.scenarios['catch-up']
  const kW = weftValue(catchUp, (v) => v.bytesRatio)
  if (kW !== undefined) rows.push(`| catch-up bytes ≤ 1.2 × encoded size of what was missed | ${kW}× | – | ${verdict(kW <= 1.2, `${kW}× vs ≤ 1.2×`)} |`)

  if (rows.length === 0) return []
  return ['## Targets of issues 8 and 23 (this run)', '', '| target | figures | Weft / better peer | verdict |', '|---|---|---:|---|', ...rows, '']
}
