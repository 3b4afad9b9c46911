/**
 * Times one synchronous section; optionally CPU-profiles exactly that section (through the
 * in-process inspector, so module loading and trace parsing stay out of the profile).
 */
import { Session } from 'node:inspector'
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

function post(session: Session, method: string): unknown {
  // An in-thread session answers synchronously: the callback has run when post returns.
  let result: unknown
  let error: Error | null = null
  session.post(method, (err, res) => {
    error = err
    result = res
  })
  if (error !== null) throw error
  return result
}

/** Runs `fn`, returning its value and its wall time; writes a .cpuprofile to `profilePath` if given. */
export function timed<T>(fn: () => T, profilePath?: string): { value: T; ms: number } {
  if (profilePath === undefined) {
    const t0 = performance.now()
    const value = fn()
    return { value, ms: performance.now() - t0 }
  }
  const session = new Session()
  session.connect()
  try {
    post(session, 'Profiler.enable')
    post(session, 'Profiler.start')
    const t0 = performance.now()
    const value = fn()
    const ms = performance.now() - t0
    const { profile } = post(session, 'Profiler.stop') as { profile: unknown }
    writeFileSync(profilePath, JSON.stringify(profile))
    return { value, ms }
  } finally {
    session.disconnect()
  }
}
