/**
 * Child-process entry: one measurement of one library on one scenario, printed as one JSON line.
 * Usage: node --expose-gc --import tsx b1b4/worker.ts '<WorkerRequest JSON>'
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Patch } from '../crdt/traces.js'
import { loadSequential } from '../crdt/traces.js'
import { timed } from '../crdt/timed.js'
import { trackWasmMemory, wasmMemoryBytes } from '../crdt/wasm-memory.js'
import { loadSuiteAdapter } from './adapters/index.js'
import { callgrindControl } from './callgrind.js'
import type { SuiteAdapter } from './adapters/types.js'
import type { MemoryFigures, WorkerOutput, WorkerRequest } from './request.js'
import { findScenario, planScenario, type PlanContext } from './scenarios.js'
import { readAll, runPlan, type RunFigures, type Timer } from './templates.js'

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g === undefined) throw new Error('run with node --expose-gc')
  g()
  g()
}

/** GC, a turn of the event loop (FinalizationRegistry callbacks free wasm-side objects), GC again. */
async function settle(): Promise<void> {
  gc()
  await new Promise((resolve) => setImmediate(resolve))
  gc()
}

/** Asks the callgrind tool this process runs under to zero its counters (`-z`) or dump them (`-d`). */
function callgrind(...args: string[]): void {
  callgrindControl(process.pid, ...args)
}

function makeTimer(req: WorkerRequest): Timer {
  return {
    section(name, fn) {
      gc()
      if (req.callgrind === true) callgrind('-z')
      const cpu0 = process.cpuUsage()
      // Profiles of the time and parse sections go to `<profile>-time.cpuprofile` and `-parse`.
      const profile = req.profile !== undefined && name !== 'encode' ? req.profile.replace(/\.cpuprofile$/, `-${name}.cpuprofile`) : undefined
      const result = timed(fn, profile)
      const cpu = process.cpuUsage(cpu0)
      if (req.callgrind === true) callgrind('-d', name)
      return { ...result, cpuMs: (cpu.user + cpu.system) / 1000 }
    },
  }
}

function planContext(req: WorkerRequest): PlanContext {
  return {
    n: req.n,
    b4() {
      const trace = loadSequential(req.trace)
      const edits: Patch[] = []
      for (const txn of trace.txns) edits.push(...txn.patches)
      return { edits, finalText: trace.endContent }
    },
  }
}

const statePath = (req: WorkerRequest): string => join(req.work, 'state.bin')

function run(adapter: SuiteAdapter, req: WorkerRequest): RunFigures {
  const plan = planScenario(findScenario(req.scenario), planContext(req))
  const { figures, state } = runPlan(adapter, plan, makeTimer(req))
  writeFileSync(statePath(req), state)
  return figures
}

async function memory(adapter: SuiteAdapter, req: WorkerRequest): Promise<MemoryFigures> {
  const state = new Uint8Array(readFileSync(statePath(req)))
  await settle()
  const before = process.memoryUsage()
  const wasmBefore = wasmMemoryBytes()
  const doc = adapter.load(state)
  readAll(doc)
  await settle()
  const after = process.memoryUsage()
  const wasmBytes = wasmMemoryBytes() - wasmBefore
  // Read again after measuring, so the doc is alive throughout.
  readAll(doc)
  const heapBytes = after.heapUsed - before.heapUsed
  const arrayBufferBytes = after.arrayBuffers - before.arrayBuffers
  return { bytes: heapBytes + wasmBytes + arrayBufferBytes, heapBytes, wasmBytes, arrayBufferBytes }
}

async function main(): Promise<void> {
  const arg = process.argv[2]
  if (arg === undefined) throw new Error('usage: worker.ts <request JSON>')
  const req = JSON.parse(arg) as WorkerRequest
  // Before the adapter import, so the wasm libraries' memories are seen when they instantiate.
  trackWasmMemory()
  const adapter = await loadSuiteAdapter(req.lib, req.weftModule)
  const figures = req.mode === 'run' ? run(adapter, req) : await memory(adapter, req)
  process.stdout.write(`${JSON.stringify({ ok: true, figures } satisfies WorkerOutput)}\n`)
}

main().catch((e: unknown) => {
  const error = e instanceof Error ? (e.stack ?? e.message) : String(e)
  process.stdout.write(`${JSON.stringify({ ok: false, error } satisfies WorkerOutput)}\n`)
  process.exitCode = 1
})
