/**
 * The sequential meaning of each strong operation, as pure steps from the
 * state of one key to the next state and the result. Implementations that
 * decide in the client (memory, JetStream: read, step, conditional write) use
 * these; PostgreSQL says the same in SQL, and the shared contract suite
 * checks that all agree.
 */
import type { CheckedAdd } from './strong-input.js'
import type { ClaimResult, CounterResult, RegisterResult, StrongValue } from './strong-ops.js'

export interface Step<S, R> {
  /** The state after the operation. */
  readonly next: S
  readonly result: R
}

export function claimStep(holder: string | null, owner: string): Step<string | null, ClaimResult> {
  const ok = holder === null || holder === owner
  const next = ok ? owner : holder
  return { next, result: { ok, holder: next } }
}

export function releaseStep(holder: string | null, owner: string): Step<string | null, ClaimResult> {
  const ok = holder === owner
  const next = ok ? null : holder
  return { next, result: { ok, holder: next } }
}

/** Compare-and-set over canonical JSON texts ('null' for absent). */
export function casStep(current: string, expected: string, next: string, parse: (text: string) => StrongValue): Step<string, RegisterResult> {
  const ok = current === expected
  const after = ok ? next : current
  return { next: after, result: { ok, value: parse(after) } }
}

export function addStep(value: number, add: CheckedAdd): Step<number, CounterResult> {
  const sum = value + add.n
  const ok = sum >= add.min && sum <= add.max
  const next = ok ? sum : value
  return { next, result: { ok, value: next } }
}
