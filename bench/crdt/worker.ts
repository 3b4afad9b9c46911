/**
 * Child-process entry: runs one measurement and prints its figures as one JSON line on stdout.
 * Usage: node --expose-gc --import tsx crdt/worker.ts '<StepRequest JSON>'
 */
import { loadAdapter } from './adapters/index.js'
import { runStep, type StepRequest } from './steps.js'
import { trackWasmMemory } from './wasm-memory.js'

/** What the worker prints: the figures, or the error that stopped it. */
export type WorkerOutput = { readonly ok: true; readonly figures: unknown } | { readonly ok: false; readonly error: string }

async function main(): Promise<void> {
  const arg = process.argv[2]
  if (arg === undefined) throw new Error('usage: worker.ts <request JSON>')
  const req = JSON.parse(arg) as StepRequest
  // Before the adapter import, so the wasm peers' memories are seen when they instantiate.
  trackWasmMemory()
  const adapter = await loadAdapter(req.lib, req.weftModule)
  const figures = await runStep(adapter, req)
  process.stdout.write(`${JSON.stringify({ ok: true, figures } satisfies WorkerOutput)}\n`)
}

main().catch((e: unknown) => {
  const error = e instanceof Error ? (e.stack ?? e.message) : String(e)
  process.stdout.write(`${JSON.stringify({ ok: false, error } satisfies WorkerOutput)}\n`)
  process.exitCode = 1
})
