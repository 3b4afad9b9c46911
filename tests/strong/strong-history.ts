/**
 * Seeded concurrent workloads over StrongOps clients, recorded as histories
 * for the linearizability checker: claims / releases / reads of a few names,
 * compare-and-sets / reads of a register, bounded adds / reads of a counter.
 *
 * An op refused with WeftUnavailableError is left out of the history: it
 * claims it did not happen, so if it did, other ops' results will not
 * linearize. An op whose outcome is unknown goes in with `ret: undefined`.
 */
import { performance } from 'node:perf_hooks'
import { seededRandom } from '@weft/crdt-core'
import { isWeftOutcomeUnknownError, isWeftUnavailableError, type StrongOps } from '@weft/server'
import { checkLinearizable, describeResult, type Operation } from '../checkers/linearizability.js'
import {
  boundedCounterModel,
  type ClaimInput,
  type ClaimOutput,
  type CounterInput,
  type CounterOutput,
  claimModel,
  type RegisterInput,
  type RegisterOutput,
  registerModel,
} from '../checkers/models.js'

export interface StrongHistory {
  readonly claims: Operation<ClaimInput, ClaimOutput>[]
  readonly registers: Operation<RegisterInput<number | null>, RegisterOutput<number | null>>[]
  readonly counters: Operation<CounterInput, CounterOutput>[]
  /** Ops that completed with a result, were refused, or ended with an unknown outcome. */
  readonly tally: { ok: number; refused: number; unknown: number }
}

export function newHistory(): StrongHistory {
  return { claims: [], registers: [], counters: [], tally: { ok: 0, refused: 0, unknown: 0 } }
}

/** Seeds from WEFT_STRONG_SEED, or a fresh one; printed so a failure can be replayed. */
export function strongSeed(label: string): number {
  const seed = process.env.WEFT_STRONG_SEED ? Number(process.env.WEFT_STRONG_SEED) : Math.floor(Math.random() * 2 ** 31)
  console.log(`[${label}] seed ${seed} (replay with WEFT_STRONG_SEED=${seed})`)
  return seed
}

/** Seconds of the soak profile (WEFT_STRONG_SOAK), or undefined in the CI profile. */
export function soakSeconds(): number | undefined {
  const s = Number(process.env.WEFT_STRONG_SOAK)
  return Number.isFinite(s) && s > 0 ? s : undefined
}

/** A test's time limit: its CI profile's, plus the soak's seconds when it soaks (a fixed limit cut soaks short). */
export function soakTimeout(ciMs: number): number {
  return ciMs + (soakSeconds() ?? 0) * 1_000
}

const NAMES = ['/n/a', '/n/b']
const BOUNDS = { min: 0, max: 5 }

/** What a workload client calls: a server's StrongOps, or `client.strong` of @weft/client. */
export type StrongCaller = Pick<StrongOps, 'claim' | 'release' | 'readClaim' | 'compareAndSet' | 'read' | 'add' | 'readCounter'>

export interface ClientRecord {
  /** Ops this client called (a time span) and how each ended; recorded at the call, so an op still waiting shows as 'pending'. */
  readonly calls: { call: number; ret: number | undefined; outcome: 'ok' | 'refused' | 'unknown' | 'pending' }[]
}

/**
 * Runs one client until `until()` says stop: a random op at a time, recorded
 * into `history`. Unexpected errors (bugs, bad input) are rethrown.
 */
export async function runClient(options: {
  id: string
  ops: StrongCaller
  seed: number
  history: StrongHistory
  until: () => boolean
  record?: ClientRecord
}): Promise<void> {
  const { id, ops, history, until } = options
  const rand = seededRandom(options.seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  let lastSeen: number | null = null
  while (!until()) {
    const r = rand()
    const call = performance.now()
    let outcome: 'ok' | 'refused' | 'unknown' = 'ok'
    const record = { call, ret: undefined as number | undefined, outcome: 'pending' as 'ok' | 'refused' | 'unknown' | 'pending' }
    options.record?.calls.push(record)
    let add: (ret: number | undefined, output: unknown) => void
    let run: () => Promise<unknown>
    if (r < 0.4) {
      const name = pick(NAMES)
      const kind = rand() < 0.55 ? 'claim' : rand() < 0.75 ? 'release' : 'read'
      const input: ClaimInput = kind === 'read' ? { kind, name } : { kind, name, owner: id }
      run = () => (kind === 'claim' ? ops.claim(name, id) : kind === 'release' ? ops.release(name, id) : ops.readClaim(name))
      add = (ret, output) => history.claims.push({ client: id, input, call, ret, ...(ret === undefined ? {} : { output: output as ClaimOutput }) })
    } else if (r < 0.7) {
      const read = rand() < 0.3
      const expected: number | null = rand() < 0.7 ? lastSeen : pick([null, 0, 1, 2])
      const next: number | null = pick([null, 0, 1, 2, 3])
      const input: RegisterInput<number | null> = read ? { kind: 'read', key: 'reg' } : { kind: 'cas', key: 'reg', expected, next }
      run = async () => {
        const res = read ? await ops.read('reg') : await ops.compareAndSet('reg', expected, next)
        lastSeen = res.value as number | null
        return read ? { value: res.value } : { ok: res.ok }
      }
      add = (ret, output) =>
        history.registers.push({ client: id, input, call, ret, ...(ret === undefined ? {} : { output: output as RegisterOutput<number | null> }) })
    } else {
      const read = rand() < 0.25
      const n = pick([1, 1, -1, 2, -2])
      const input: CounterInput = read ? { kind: 'read', key: 'seats' } : { kind: 'add', key: 'seats', n, ...BOUNDS }
      run = () => (read ? ops.readCounter('seats') : ops.add('seats', n, BOUNDS))
      add = (ret, output) => history.counters.push({ client: id, input, call, ret, ...(ret === undefined ? {} : { output: output as CounterOutput }) })
    }
    try {
      const output = await run()
      add(performance.now(), output)
      history.tally.ok++
    } catch (e) {
      if (isWeftUnavailableError(e)) {
        outcome = 'refused'
        history.tally.refused++
        // Refused at once while a backend is down: do not spin.
        await new Promise((resolve) => setTimeout(resolve, 50))
      } else if (isWeftOutcomeUnknownError(e)) {
        outcome = 'unknown'
        add(undefined, undefined)
        history.tally.unknown++
      } else {
        throw e
      }
    }
    record.ret = outcome === 'unknown' ? undefined : performance.now()
    record.outcome = outcome
  }
}

/** Checks every part of a history; returns a report or undefined when linearizable. */
export function checkHistory(history: StrongHistory): string | undefined {
  const byKey = { partition: (op: Operation<{ name?: string; key?: string }, unknown>) => op.input.name ?? op.input.key ?? '' }
  const results = [
    ['claims', checkLinearizable(claimModel(), history.claims, byKey as never)],
    ['registers', checkLinearizable(registerModel<number | null>(null), history.registers, byKey as never)],
    ['counters', checkLinearizable(boundedCounterModel(0), history.counters, byKey as never)],
  ] as const
  const failed = results.filter(([, r]) => r.ok !== true)
  if (failed.length === 0) return undefined
  return failed.map(([what, r]) => `${what}: ${describeResult(r as never)}`).join('\n')
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
