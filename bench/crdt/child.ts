/**
 * Runs one measurement in a fresh Node process (worker.ts) and collects its outcome.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { StepFigures, StepRequest } from './steps.js'
import type { WorkerOutput } from './worker.js'

export type Outcome =
  | { readonly status: 'ok'; readonly figures: StepFigures }
  | { readonly status: 'timeout'; readonly limitMs: number }
  | { readonly status: 'error'; readonly error: string }
  /** Not run because an earlier step of the same run failed or the same step timed out before. */
  | { readonly status: 'skipped'; readonly reason: string }

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))
/** bench/, where `tsx` resolves for `--import tsx`. */
const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url))

/** Spawns `node --expose-gc --import tsx worker.ts <req>` and waits, killing it after `limitMs`. */
export function runChild(req: StepRequest, limitMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', WORKER, JSON.stringify(req)], {
      cwd: BENCH_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, limitMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (timedOut) return resolve({ status: 'timeout', limitMs })
      const line = stdout.trim().split('\n').pop() ?? ''
      let out: WorkerOutput | undefined
      try {
        out = JSON.parse(line) as WorkerOutput
      } catch {
        out = undefined
      }
      if (out?.ok === true && code === 0) return resolve({ status: 'ok', figures: out.figures as StepFigures })
      const why = out?.ok === false ? out.error : `exit ${code ?? signal}: ${stderr.trim() || stdout.trim()}`
      resolve({ status: 'error', error: why })
    })
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve({ status: 'error', error: e.message })
    })
  })
}
