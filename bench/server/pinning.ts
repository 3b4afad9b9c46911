import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

/**
 * Which CPUs the server and the load generator run on. Pinned to different cores (`taskset`), the
 * two cannot take each other's time unseen, and a server's CPU figure is its own work; unpinned,
 * the scheduler moves both across every core with whatever else the machine runs.
 */
export interface Pinning {
  /** A `taskset -c` list for every server child, or undefined (not pinned). */
  readonly server: string | undefined
  /** A `taskset -c` list for every load generator, or undefined. */
  readonly loadgen: string | undefined
  /** Why it is (or is not) pinned, for the report. */
  readonly note: string
}

/** Core 0 for the server, the others for the load generator, when taskset exists and there are two cores. */
export function choosePinning(wanted: boolean): Pinning {
  if (!wanted) return { server: undefined, loadgen: undefined, note: 'not pinned (--no-pin)' }
  const cpus = availableParallelism()
  if (cpus < 2) return { server: undefined, loadgen: undefined, note: `not pinned: ${cpus} CPU` }
  // taskset is util-linux; a machine without it runs unpinned rather than failing the bench.
  if (spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return { server: undefined, loadgen: undefined, note: 'not pinned: taskset not found' }
  }
  const loadgen = cpus === 2 ? '1' : `1-${cpus - 1}`
  return { server: '0', loadgen, note: `server on CPU 0, load generator on CPU ${loadgen} (taskset)` }
}

/**
 * The command and arguments that run `file args` on `cpus`. taskset execs the command in place, so
 * the child's pid (read in /proc for CPU and RSS) is the server's own.
 */
export function pinnedCommand(cpus: string | undefined, file: string, args: readonly string[]): [string, string[]] {
  return cpus === undefined ? [file, [...args]] : ['taskset', ['-c', cpus, file, ...args]]
}
