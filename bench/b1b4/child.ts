/**
 * Runs one worker in a fresh Node process, pinned to one CPU with `taskset` and optionally under
 * callgrind, and collects its JSON answer.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { underCallgrind } from './callgrind.js'
import type { WorkerOutput, WorkerRequest } from './request.js'

export type Outcome =
  | { readonly status: 'ok'; readonly figures: Record<string, number> }
  | { readonly status: 'timeout'; readonly limitMs: number }
  | { readonly status: 'error'; readonly error: string }
  | { readonly status: 'skipped'; readonly reason: string }

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))
/** bench/, where `tsx` resolves for `--import tsx`. */
const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url))

export interface ChildOptions {
  readonly limitMs: number
  /** A `taskset -c` CPU list, or undefined to run unpinned. */
  readonly cpu: string | undefined
  /** Run under `valgrind --tool=callgrind`, writing its counts to this file (and `.N` for each dump). */
  readonly callgrindOut?: string
}

function command(req: WorkerRequest, o: ChildOptions): string[] {
  let argv = [process.execPath, '--expose-gc', '--import', 'tsx', WORKER, JSON.stringify(req)]
  if (o.callgrindOut !== undefined) argv = underCallgrind(o.callgrindOut, argv)
  if (o.cpu !== undefined) argv = ['taskset', '-c', o.cpu, ...argv]
  return argv
}

export function runWorker(req: WorkerRequest, o: ChildOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const [file, ...args] = command(req, o)
    const child = spawn(file!, args, { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, o.limitMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (timedOut) return resolve({ status: 'timeout', limitMs: o.limitMs })
      const line = stdout.trim().split('\n').pop() ?? ''
      let out: WorkerOutput | undefined
      try {
        out = JSON.parse(line) as WorkerOutput
      } catch {
        out = undefined
      }
      if (out?.ok === true && code === 0) return resolve({ status: 'ok', figures: out.figures as unknown as Record<string, number> })
      const why = out?.ok === false ? out.error : `exit ${code ?? signal}: ${stderr.trim().slice(-2000) || stdout.trim().slice(-2000)}`
      resolve({ status: 'error', error: why })
    })
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve({ status: 'error', error: e.message })
    })
  })
}
