/**
 * The measurements, one per step. Each runs in a fresh child process (see worker.ts), so no step
 * inherits another's JIT state, heap or wasm memory; files in `work` carry updates and snapshots
 * from the local step to the remote and load steps.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AnyAdapter, LibName } from './adapters/types.js'
import { planReplay, replay } from './concurrent.js'
import { checkText, loadConcurrent, loadSequential } from './traces.js'
import { timed } from './timed.js'
import { readUpdates, writeUpdates } from './update-file.js'
import { wasmMemoryBytes } from './wasm-memory.js'

export type StepName = 'local' | 'remote' | 'load' | 'memory' | 'merge'

export const SEQUENTIAL_STEPS: readonly StepName[] = ['local', 'remote', 'load', 'memory']

export interface StepRequest {
  readonly lib: LibName
  readonly step: StepName
  /** Path of the trace file. */
  readonly trace: string
  /** Folder for this (trace, library)'s update and snapshot files. */
  readonly work: string
  /** Weft only: the pinned build to import (see pin-weft.ts). */
  readonly weftModule?: string
  /** Write a CPU profile of the timed section to this path. */
  readonly profile?: string
}

export interface LocalFigures {
  readonly ms: number
  readonly updates: number
  readonly updateBytes: number
  readonly snapshotBytes: number
  readonly snapshotMs: number
}
export interface TimeFigures {
  readonly ms: number
}
export interface MemoryFigures {
  /** heapUsed growth after GC, the doc alive. */
  readonly heapBytes: number
  /** Growth of tracked wasm linear memory (0 for pure-JS libraries). */
  readonly wasmBytes: number
  /** Growth of Node's ArrayBuffer backing stores (outside the JS heap). */
  readonly arrayBufferBytes: number
  /** heapBytes + wasmBytes + arrayBufferBytes: the reported memory figure. */
  readonly bytes: number
  /** Resident set growth, for reference only (includes allocator slack and code). */
  readonly rssBytes: number
}
export type StepFigures = LocalFigures | TimeFigures | MemoryFigures

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g === undefined) throw new Error('run with node --expose-gc')
  // Twice: the first pass can leave objects whose finalizers free more on the second.
  g()
  g()
}

/** GC, then a turn of the event loop so FinalizationRegistry callbacks (which free wasm-side
 * objects behind dropped JS wrappers) run, then GC again. */
async function settle(): Promise<void> {
  gc()
  await new Promise((resolve) => setImmediate(resolve))
  gc()
}

const updatesPath = (work: string): string => join(work, 'updates.bin')
const snapshotPath = (work: string): string => join(work, 'snapshot.bin')

function local(adapter: AnyAdapter, req: StepRequest): LocalFigures {
  const trace = loadSequential(req.trace)
  gc()
  const { value, ms } = timed(() => {
    const result = adapter.localApply(trace)
    return { ...result, text: adapter.text(result.doc) }
  }, req.profile)
  const { doc, updates, text } = value
  checkText(`${adapter.name} local apply`, text, trace.endContent)
  const { value: snapshot, ms: snapshotMs } = timed(() => adapter.snapshot(doc))
  writeUpdates(updatesPath(req.work), updates)
  writeFileSync(snapshotPath(req.work), snapshot)
  let updateBytes = 0
  for (const u of updates) updateBytes += u.byteLength
  return { ms, updates: updates.length, updateBytes, snapshotBytes: snapshot.byteLength, snapshotMs }
}

function remote(adapter: AnyAdapter, req: StepRequest): TimeFigures {
  const trace = loadSequential(req.trace)
  const updates = readUpdates(updatesPath(req.work))
  gc()
  const { value: text, ms } = timed(() => adapter.text(adapter.remoteApply(updates)), req.profile)
  checkText(`${adapter.name} remote apply`, text, trace.endContent)
  return { ms }
}

function load(adapter: AnyAdapter, req: StepRequest): TimeFigures {
  const trace = loadSequential(req.trace)
  const bytes = new Uint8Array(readFileSync(snapshotPath(req.work)))
  gc()
  const { value: text, ms } = timed(() => adapter.text(adapter.load(bytes)), req.profile)
  checkText(`${adapter.name} load`, text, trace.endContent)
  return { ms }
}

async function memory(adapter: AnyAdapter, req: StepRequest): Promise<MemoryFigures> {
  const trace = loadSequential(req.trace)
  await settle()
  const before = process.memoryUsage()
  const wasmBefore = wasmMemoryBytes()
  const { doc, updates } = adapter.localApply(trace)
  // The update listener still holds this array; emptying it leaves only the doc's own memory.
  updates.length = 0
  await settle()
  const after = process.memoryUsage()
  const wasmBytes = wasmMemoryBytes() - wasmBefore
  // Reading the text after measuring keeps the doc alive through the measurement.
  checkText(`${adapter.name} memory`, adapter.text(doc), trace.endContent)
  const heapBytes = after.heapUsed - before.heapUsed
  const arrayBufferBytes = after.arrayBuffers - before.arrayBuffers
  return {
    heapBytes,
    wasmBytes,
    arrayBufferBytes,
    bytes: heapBytes + wasmBytes + arrayBufferBytes,
    rssBytes: after.rss - before.rss,
  }
}

function merge(adapter: AnyAdapter, req: StepRequest): TimeFigures {
  const trace = loadConcurrent(req.trace)
  const plan = planReplay(trace)
  gc()
  const { value: texts, ms } = timed(() => replay(adapter.replicas, plan).map((r) => adapter.replicas.text(r)), req.profile)
  texts.forEach((t, agent) => checkText(`${adapter.name} merge, agent ${agent}`, t, trace.endContent))
  return { ms }
}

/** Runs one step with `adapter`; throws when a final text differs from the trace's endContent. */
export async function runStep(adapter: AnyAdapter, req: StepRequest): Promise<StepFigures> {
  switch (req.step) {
    case 'local':
      return local(adapter, req)
    case 'remote':
      return remote(adapter, req)
    case 'load':
      return load(adapter, req)
    case 'memory':
      return await memory(adapter, req)
    case 'merge':
      return merge(adapter, req)
  }
}
