import type { ChildToParent, ParentToChild, ProbeMark, ProcSample } from '../protocol.js'

let nextId = 1
const waiting = new Map<number, (s: ProcSample | null) => void>()

process.on('message', (m: ParentToChild) => {
  if (m.type !== 'probe-reply') return
  waiting.get(m.id)?.(m.sample)
  waiting.delete(m.id)
})

/**
 * The server's CPU and RSS right now, read by the parent from /proc (the load generator does not know
 * the pid). With `mark`, the parent also handles that edge of a measured window before it answers.
 */
export function probeServer(mark?: ProbeMark): Promise<ProcSample> {
  const id = nextId++
  return new Promise((resolve, reject) => {
    waiting.set(id, (s) => (s ? resolve(s) : reject(new Error('server process is gone'))))
    send(mark === undefined ? { type: 'probe', id } : { type: 'probe', id, mark })
  })
}

export function send(m: ChildToParent, done?: () => void): void {
  if (!process.send) throw new Error('load generator must run as a child with an IPC channel')
  process.send(m, undefined, {}, () => done?.())
}

/** This process's CPU as a percentage of one core since `start`. */
export function selfCpu(): () => number {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  return () => {
    const c = process.cpuUsage(c0)
    const wall = performance.now() - t0
    return wall > 0 ? ((c.user + c.system) / 1000 / wall) * 100 : 0
  }
}
