/**
 * `pnpm bench:b1b4`: the B1–B4 scenarios of the crdt-benchmarks suite for Weft, Yjs, Automerge
 * and Loro in one run. Every measurement runs in a fresh Node process pinned to one CPU; runs
 * alternate between libraries so drift in machine load hits all alike; medians are reported.
 * Writes bench/results/b1b4.json (after every scenario, so a long run leaves its figures behind)
 * and b1b4.md.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LibName } from '../crdt/adapters/lib-names.js'
import { META } from '../crdt/adapters/meta.js'
import { gitCommit, machine, packageVersion } from '../crdt/machine.js'
import { pinWeftBuild } from '../crdt/pin-weft.js'
import { findTrace } from '../crdt/traces.js'
import { readSectionCounts } from './callgrind.js'
import { runWorker, type Outcome } from './child.js'
import { parseOptions, type Options } from './options.js'
import { renderMarkdown } from './report.js'
import type { WorkerRequest } from './request.js'
import { medianOf, type LibCell, type ScenarioResult, type SuiteResults } from './results.js'
import { b3Clients, findScenario } from './scenarios.js'

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))
const PROFILE_DIR = join(RESULTS_DIR, 'profiles')
const CALLGRIND_LIMIT_MS = 3_600_000

function progress(line: string): void {
  process.stderr.write(`${line}\n`)
}

/** One CPU (the last unless `--cpu` says), when taskset exists: every child runs there, one at a time. */
function pinning(wanted: number | undefined): { cpu: string | undefined; note: string } {
  if (spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status !== 0) return { cpu: undefined, note: 'not pinned: taskset not found' }
  const cpu = String(wanted ?? cpus().length - 1)
  return { cpu, note: `every child on CPU ${cpu} (taskset -c ${cpu})` }
}

function describe(o: Outcome): string {
  if (o.status === 'ok') {
    const f = o.figures
    if (f['cpuMs'] !== undefined)
      return `${f['ms']!.toFixed(1)} ms (cpu ${f['cpuMs'].toFixed(1)}), update ${Math.round(f['updateFigure']!)} B, doc ${f['docBytes']} B, parse ${f['parseMs']!.toFixed(1)} ms`
    if (f['bytes'] !== undefined) return `memory ${f['bytes']} B`
    return Object.entries(f)
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', ')
  }
  if (o.status === 'timeout') return `TIMEOUT after ${o.limitMs / 1000} s`
  if (o.status === 'skipped') return `skipped (${o.reason})`
  return `ERROR ${o.error.split('\n')[0] ?? ''}`
}

function save(results: SuiteResults, opts: Options): void {
  if (!opts.write) return
  mkdirSync(RESULTS_DIR, { recursive: true })
  writeFileSync(join(RESULTS_DIR, `${opts.out}.json`), `${JSON.stringify(results, null, 1)}\n`)
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2))
  const pin = pinning(opts.cpu)
  const workRoot = mkdtempSync(join(tmpdir(), 'weft-b1b4-'))
  const pinned = opts.libs.includes('weft') ? pinWeftBuild(workRoot) : undefined
  const trace = findTrace('sequential', 'automerge-paper').path
  if (opts.cpuProf) mkdirSync(PROFILE_DIR, { recursive: true })
  const versions: Partial<Record<LibName, string>> = {}
  for (const lib of opts.libs) versions[lib] = packageVersion(META[lib].packageName)
  const results: SuiteResults = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: machine(),
    loadAverage: loadavg(),
    versions,
    weftBuild: pinned === undefined ? null : { sha256: pinned.sha256, builtAt: pinned.builtAt },
    n: opts.n,
    b3Clients: b3Clients(opts.n),
    runs: opts.runs,
    pinning: pin.note,
    scenarios: opts.scenarios.map((id): ScenarioResult => {
      const s = findScenario(id)
      const libs: ScenarioResult['libs'] = {}
      for (const lib of opts.libs) libs[lib] = { runs: [], median: null, memory: null, instructions: null }
      return { id, group: s.group, title: s.title, libs }
    }),
  }
  progress(`bench:b1b4: ${opts.scenarios.join(', ')} × ${opts.libs.join(', ')}, N = ${opts.n}; ${pin.note}`)
  const request = (mode: WorkerRequest['mode'], lib: LibName, scenario: string, extra: Partial<WorkerRequest> = {}): WorkerRequest => {
    const work = join(workRoot, scenario, lib)
    mkdirSync(work, { recursive: true })
    return {
      mode,
      lib,
      scenario,
      n: opts.n,
      trace,
      work,
      ...(lib === 'weft' && pinned !== undefined ? { weftModule: pinned.module } : {}),
      ...extra,
    }
  }
  const maxRuns = Math.max(...opts.libs.map((l) => opts.runs[l]))
  let failed = false
  try {
    for (let run = 1; run <= maxRuns; run++) {
      for (const scenario of results.scenarios) {
        for (const lib of opts.libs) {
          if (run > opts.runs[lib]) continue
          const cell = scenario.libs[lib]!
          let outcome: Outcome
          if (cell.runs.some((r) => r.status !== 'ok')) {
            outcome = { status: 'skipped', reason: 'an earlier run did not complete' }
          } else {
            const profile = opts.cpuProf && lib === 'weft' ? join(PROFILE_DIR, `b1b4-${scenario.id}-${lib}-run${run}.cpuprofile`) : undefined
            outcome = await runWorker(request('run', lib, scenario.id, profile === undefined ? {} : { profile }), {
              limitMs: opts.timeoutMs[lib],
              cpu: pin.cpu,
            })
          }
          if (outcome.status === 'error') failed = true
          cell.runs.push(outcome)
          progress(`[${scenario.id}] ${lib} run ${run}/${opts.runs[lib]}: ${describe(outcome)}`)
          if (run === 1 && opts.memory && outcome.status === 'ok') {
            cell.memory = await runWorker(request('memory', lib, scenario.id), { limitMs: opts.timeoutMs[lib], cpu: pin.cpu })
            progress(`[${scenario.id}] ${lib} memory: ${describe(cell.memory)}`)
          }
        }
        for (const cell of Object.values(scenario.libs)) cell.median = medianOf(cell.runs)
        save(results, opts)
      }
    }
    for (const scenario of results.scenarios) {
      if (!opts.instr.includes(scenario.id)) continue
      for (const lib of opts.libs) {
        const cell: LibCell = scenario.libs[lib]!
        const cpuMs = cell.median?.['cpuMs']
        if (cpuMs === undefined || cpuMs > opts.instrMaxMs) {
          cell.instructions = {
            status: 'skipped',
            reason: cpuMs === undefined ? 'no successful run' : `median CPU time ${Math.round(cpuMs)} ms > ${opts.instrMaxMs} ms`,
          }
        } else {
          const out = join(workRoot, scenario.id, lib, 'callgrind.out')
          const o = await runWorker(request('run', lib, scenario.id, { callgrind: true }), { limitMs: CALLGRIND_LIMIT_MS, cpu: pin.cpu, callgrindOut: out })
          cell.instructions = o.status === 'ok' ? { status: 'ok', figures: readSectionCounts(out) } : o
        }
        progress(`[${scenario.id}] ${lib} instructions: ${describe(cell.instructions)}`)
        save(results, opts)
      }
    }
  } finally {
    rmSync(workRoot, { recursive: true, force: true })
  }
  const md = renderMarkdown(results)
  process.stdout.write(md)
  if (opts.write) {
    writeFileSync(join(RESULTS_DIR, `${opts.out}.md`), md)
    progress(`wrote ${join(RESULTS_DIR, opts.out)}.md and .json`)
  }
  return failed ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    progress(e instanceof Error ? e.message : String(e))
    process.exitCode = 2
  },
)
