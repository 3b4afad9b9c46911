/**
 * Sequential models of the strong operations, for the linearizability
 * checker. Each models one key; partition a history by key before checking.
 */
import { type Model, type Outcome, UNKNOWN } from './linearizability.js'

/** A register with reads, writes and compare-and-set. */
export type RegisterInput<V> =
  | { readonly kind: 'read'; readonly key: string }
  | { readonly kind: 'write'; readonly key: string; readonly value: V }
  | { readonly kind: 'cas'; readonly key: string; readonly expected: V; readonly next: V }

/** A read's value; a write's `true`; whether a CAS took effect. */
export type RegisterOutput<V> = { readonly value: V } | { readonly ok: boolean }

export function registerModel<V>(initial: V): Model<V, RegisterInput<V>, RegisterOutput<V>> {
  const same = (a: V, b: V) => JSON.stringify(a) === JSON.stringify(b)
  return {
    init: () => initial,
    key: (s) => JSON.stringify(s),
    step(s, input, output) {
      switch (input.kind) {
        case 'read':
          return output === UNKNOWN || ('value' in output && same(output.value, s)) ? s : undefined
        case 'write':
          return input.value
        case 'cas': {
          const applies = same(s, input.expected)
          if (output !== UNKNOWN && (!('ok' in output) || output.ok !== applies)) return undefined
          return applies ? input.next : s
        }
      }
    },
  }
}

/** A name that at most one owner holds: `claim` succeeds only when free (or already held by the same owner). */
export type ClaimInput =
  | { readonly kind: 'claim'; readonly name: string; readonly owner: string }
  | { readonly kind: 'release'; readonly name: string; readonly owner: string }
  | { readonly kind: 'read'; readonly name: string }

/** claim/release: whether it took effect and who holds the name after; read: the holder. */
export interface ClaimOutput {
  readonly ok?: boolean
  readonly holder: string | null
}

export function claimModel(): Model<string | null, ClaimInput, ClaimOutput> {
  return {
    init: () => null,
    key: (s) => JSON.stringify(s),
    step(holder, input, output) {
      let ok: boolean | undefined
      let next = holder
      if (input.kind === 'claim') {
        ok = holder === null || holder === input.owner
        if (ok) next = input.owner
      } else if (input.kind === 'release') {
        ok = holder === input.owner
        if (ok) next = null
      }
      if (output === UNKNOWN) return next
      if (output.holder !== next) return undefined
      if (ok !== undefined && output.ok !== ok) return undefined
      return next
    },
  }
}

/** A counter kept within [min, max]: an `add` that would leave the bounds is refused and changes nothing. */
export type CounterInput =
  | { readonly kind: 'add'; readonly key: string; readonly n: number; readonly min?: number; readonly max?: number }
  | { readonly kind: 'read'; readonly key: string }

export interface CounterOutput {
  readonly ok?: boolean
  readonly value: number
}

export function boundedCounterModel(initial = 0): Model<number, CounterInput, CounterOutput> {
  return {
    init: () => initial,
    key: (s) => String(s),
    step(value, input, output: Outcome<CounterOutput>) {
      let ok: boolean | undefined
      let next = value
      if (input.kind === 'add') {
        const sum = value + input.n
        ok = sum >= (input.min ?? Number.NEGATIVE_INFINITY) && sum <= (input.max ?? Number.POSITIVE_INFINITY)
        if (ok) next = sum
      }
      if (output === UNKNOWN) return next
      if (output.value !== next) return undefined
      if (ok !== undefined && output.ok !== ok) return undefined
      return next
    },
  }
}
