import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pinnedCommand } from './pinning.js'
import { readProcSample } from './proc-stats.js'
import { SOURCE_TSCONFIG } from './servers.js'
import type { ChildToParent, LoadJob, ParentToChild, ProbeMark } from './protocol.js'

const here = dirname(fileURLToPath(import.meta.url))

/**
 * Run one load-generator job in its own Node process, answering its probes
 * with the server's /proc figures, and resolve with its result. The child is
 * killed if it outlives the job's budget by a minute. With `cpuProfileDir`
 * it writes a V8 CPU profile there (`--profile` profiles both sides); with `cpus`
 * it runs pinned to those cores. `onMark` runs at each edge of a measured
 * window, before the probe there is answered (so the load waits for it).
 */
export function runLoadChild(
  job: LoadJob,
  serverPid: number,
  cpuProfileDir?: string,
  cpus?: string,
  onMark?: (mark: ProbeMark) => void,
): Promise<Record<string, unknown>> {
  const profile = cpuProfileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []
  const [file, argv] = pinnedCommand(cpus, process.execPath, [...profile, '--import', 'tsx', join(here, 'loadgen', 'main.ts'), JSON.stringify(job)])
  const child = spawn(file, argv, {
    cwd: dirname(here),
    // The load generator runs @weft/client from source (tsx, paths in this tsconfig): no build needed.
    // WEFT_BENCH_LOADGEN_TSCONFIG points it at other sources (A/B of a client change on one machine).
    env: { ...process.env, TSX_TSCONFIG_PATH: process.env.WEFT_BENCH_LOADGEN_TSCONFIG ?? SOURCE_TSCONFIG },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    let settled = false
    const finish = (f: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      f()
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish(() => reject(new Error(`load generator exceeded ${job.budgetMs + 60_000} ms`)))
    }, job.budgetMs + 60_000)
    child.on('message', (m: ChildToParent) => {
      if (m.type === 'probe') {
        if (m.mark !== undefined) onMark?.(m.mark)
        const reply: ParentToChild = { type: 'probe-reply', id: m.id, sample: readProcSample(serverPid) }
        if (child.connected) child.send(reply)
      } else if (m.type === 'result') finish(() => resolve(m.result))
      else finish(() => reject(new Error(m.message)))
    })
    child.on('exit', (code, signal) => finish(() => reject(new Error(`load generator exited (${code ?? signal}) without a result`))))
  })
}
