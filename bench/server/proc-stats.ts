import { readFileSync } from 'node:fs'
import type { ProcSample } from './protocol.js'

/** Linux clock ticks per second (USER_HZ); 100 on every mainstream kernel. */
const TICKS_PER_SECOND = 100

/** CPU and RSS of a process from /proc (Linux only); null once it is gone. */
export function readProcSample(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const userTicks = Number(fields[11])
    const ticks = userTicks + Number(fields[12])
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    return {
      t: performance.timeOrigin + performance.now(),
      cpuMs: (ticks * 1000) / TICKS_PER_SECOND,
      userCpuMs: (userTicks * 1000) / TICKS_PER_SECOND,
      rssBytes: rssKb * 1024,
    }
  } catch {
    return null
  }
}

/** CPU used between two samples as a percentage of one core. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  const wall = b.t - a.t
  return wall > 0 ? ((b.cpuMs - a.cpuMs) / wall) * 100 : 0
}
