/**
 * `pnpm bench:crdt`: every library on every trace, each measurement in a fresh child process,
 * medians over several runs; tables on stdout and in bench/results/crdt.{md,json}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { META } from './adapters/meta.js'
import type { LibName } from './adapters/types.js'
import { weft } from './adapters/weft.js'
import { runChild, type Outcome } from './child.js'
import { concurrentToUtf16 } from './code-points.js'
import { gitCommit, machine, packageVersion } from './machine.js'
import { parseOptions, type Options } from './options.js'
import { pinWeftBuild } from './pin-weft.js'
import { toJson, toMarkdown } from './report.js'
import { hasErrors, medianFigures, type BenchResults, type StepResult, type TraceResult } from './results.js'
import { SEQUENTIAL_STEPS, type StepName, type StepRequest } from './steps.js'
import { listTraces, loadConcurrent, loadSequential, type TraceFile } from './traces.js'

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))
const PROFILE_DIR = join(RESULTS_DIR, 'profiles')

function progress(line: string): void {
  process.stderr.write(`${line}\n`)
}

function describe(o: Outcome): string {
  if (o.status === 'ok') {
    const f = o.figures as unknown as Record<string, number>
    const main = f['ms'] !== undefined ? `${f['ms'].toFixed(1)} ms` : `${((f['bytes'] ?? 0) / 1e6).toFixed(2)} MB`
    return f['snapshotBytes'] !== undefined ? `${main}, snapshot ${f['snapshotBytes']} B` : main
  }
  if (o.status === 'timeout') return `TIMEOUT after ${o.limitMs / 1000} s`
  if (o.status === 'skipped') return `skipped (${o.reason})`
  return `ERROR ${o.error.split('\n')[0] ?? ''}`
}

function pickTraces(opts: Options): TraceFile[] {
  const sequential = listTraces('sequential')
  const concurrent = listTraces('concurrent')
  if (opts.traces !== undefined) {
    const all = [...sequential, ...concurrent]
    const missing = opts.traces.filter((n) => !all.some((t) => t.name === n))
    if (missing.length > 0) {
      throw new Error(`no trace named ${missing.join(', ')} (have: ${all.map((t) => t.name).join(', ')})`)
    }
    return all.filter((t) => opts.traces?.includes(t.name))
  }
  if (opts.quick) {
    const smallest = [...sequential].sort((a, b) => a.bytes - b.bytes)[0]
    return [...(smallest === undefined ? [] : [smallest]), ...concurrent]
  }
  return [...sequential, ...concurrent]
}

function traceShell(t: TraceFile): TraceResult {
  if (t.kind === 'sequential') {
    const s = loadSequential(t.path)
    return { name: t.name, kind: t.kind, txns: s.txns.length, finalLength: s.endContent.length, libs: {} }
  }
  const c = loadConcurrent(t.path)
  return { name: t.name, kind: t.kind, txns: c.txns.length, finalLength: c.endContent.length, libs: {} }
}

/**
 * The file the children read. A concurrent trace with astral characters gets a copy with UTF-16
 * positions, converted here with Weft as the reference so no measured process is warmed up by it;
 * every other trace is read as it is (sequential ones convert themselves on load).
 */
function childTracePath(file: TraceFile, workRoot: string): string {
  if (file.kind !== 'concurrent') return file.path
  const trace = loadConcurrent(file.path)
  const utf16 = concurrentToUtf16(trace, weft.replicas)
  if (utf16 === trace) return file.path
  const path = join(workRoot, `${file.name}.utf16.json.gz`)
  writeFileSync(path, gzipSync(JSON.stringify(utf16)))
  progress(`[${file.name}] positions converted from code points to UTF-16 units (${path})`)
  return path
}

function stepsFor(t: TraceFile, opts: Options): readonly StepName[] {
  if (t.kind === 'concurrent') return ['merge']
  // Quick mode checks correctness; the memory step re-runs local apply and checks nothing new.
  return opts.quick ? SEQUENTIAL_STEPS.filter((s) => s !== 'memory') : SEQUENTIAL_STEPS
}

/** Runs one trace: for each run, each library in turn (so load drift hits all alike), each step. */
async function benchTrace(file: TraceFile, opts: Options, workRoot: string, weftModule: string | undefined): Promise<TraceResult> {
  const result = traceShell(file)
  const steps = stepsFor(file, opts)
  const tracePath = childTracePath(file, workRoot)
  for (const lib of opts.libs) {
    result.libs[lib] = Object.fromEntries(steps.map((s): [StepName, StepResult] => [s, { runs: [], median: null }]))
  }
  for (let run = 1; run <= opts.runs; run++) {
    for (const lib of opts.libs) {
      const work = join(workRoot, file.name, lib)
      mkdirSync(work, { recursive: true })
      const libResult = result.libs[lib]!
      let localFailed = false
      for (const step of steps) {
        const record = libResult[step]!
        const timedOutBefore = record.runs.some((r) => r.status === 'timeout')
        let outcome: Outcome
        if (localFailed && (step === 'remote' || step === 'load')) {
          outcome = { status: 'skipped', reason: 'local apply failed in this run' }
        } else if (timedOutBefore) {
          // A step that hit its limit once would again: don't spend the limit on every run.
          outcome = { status: 'skipped', reason: 'timed out in an earlier run' }
        } else {
          // The memory step's section is not timed, so there is nothing to profile in it.
          const profile = opts.cpuProf && step !== 'memory' ? join(PROFILE_DIR, `${file.name}-${lib}-${step}-run${run}.cpuprofile`) : undefined
          const req: StepRequest = {
            lib,
            step,
            trace: tracePath,
            work,
            ...(lib === 'weft' && weftModule !== undefined ? { weftModule } : {}),
            ...(profile !== undefined ? { profile } : {}),
          }
          outcome = await runChild(req, opts.timeoutMs[lib])
        }
        if (step === 'local' && outcome.status !== 'ok') localFailed = true
        record.runs.push(outcome)
        progress(`[${file.name}] ${lib} ${step} run ${run}/${opts.runs}: ${describe(outcome)}`)
      }
    }
  }
  for (const lib of opts.libs) {
    for (const record of Object.values(result.libs[lib] ?? {})) record.median = medianFigures(record.runs)
  }
  return result
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2))
  const traces = pickTraces(opts)
  const versions: Partial<Record<LibName, string>> = {}
  const methods: BenchResults['methods'] = {}
  for (const lib of opts.libs) {
    versions[lib] = packageVersion(META[lib].packageName)
    methods[lib] = META[lib].method
  }
  if (opts.cpuProf) mkdirSync(PROFILE_DIR, { recursive: true })
  const workRoot = mkdtempSync(join(tmpdir(), 'weft-bench-'))
  const pinned = opts.libs.includes('weft') ? pinWeftBuild(workRoot) : undefined
  const results: BenchResults = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: machine(),
    versions,
    weftBuild: pinned === undefined ? null : { sha256: pinned.sha256, builtAt: pinned.builtAt },
    methods,
    runs: opts.runs,
    quick: opts.quick,
    traces: [],
  }
  progress(`bench:crdt: ${traces.map((t) => t.name).join(', ')} × ${opts.libs.join(', ')}, ${opts.runs} run(s)`)
  try {
    for (const t of traces) results.traces.push(await benchTrace(t, opts, workRoot, pinned?.module))
  } finally {
    rmSync(workRoot, { recursive: true, force: true })
  }
  const md = toMarkdown(results)
  process.stdout.write(md)
  if (opts.write) {
    mkdirSync(RESULTS_DIR, { recursive: true })
    writeFileSync(join(RESULTS_DIR, `${opts.out}.md`), md)
    writeFileSync(join(RESULTS_DIR, `${opts.out}.json`), toJson(results))
    progress(`wrote ${join(RESULTS_DIR, opts.out)}.md and .json`)
  }
  if (hasErrors(results)) {
    progress('bench:crdt: some measurements FAILED (see ERROR above)')
    return 1
  }
  if (opts.quick && results.traces.some((t) => Object.values(t.libs).some((l) => Object.values(l).some((s) => s.runs.some((r) => r.status !== 'ok'))))) {
    progress('bench:crdt --quick: some measurements did not complete')
    return 1
  }
  return 0
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
