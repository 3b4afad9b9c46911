/**
 * Argument checks shared by every StrongOps implementation, so all of them
 * refuse the same inputs with the same typed error before sending anything.
 */
import { WeftStrongInputError } from './strong-errors.js'
import type { CounterBounds, StrongValue } from './strong-values.js'

/** Longest name / key / owner, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 512
/** Largest register value, as JSON, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 64 * 1024

const encoder = new TextEncoder()

/** The key, or `WeftStrongInputError` 'bad-key'. */
export function checkKey(key: unknown, what = 'key'): string {
  if (typeof key !== 'string' || key.length === 0 || encoder.encode(key).length > MAX_KEY_BYTES) {
    throw new WeftStrongInputError('bad-key', `a ${what} must be a non-empty string of at most ${MAX_KEY_BYTES} UTF-8 bytes`)
  }
  return key
}

/** The owner, or `WeftStrongInputError` 'bad-owner'. */
export function checkOwner(owner: unknown): string {
  if (typeof owner !== 'string' || owner.length === 0 || encoder.encode(owner).length > MAX_KEY_BYTES) {
    throw new WeftStrongInputError('bad-owner', `an owner must be a non-empty string of at most ${MAX_KEY_BYTES} UTF-8 bytes`)
  }
  return owner
}

/**
 * The canonical JSON of a register value (object keys sorted), which is both
 * what gets stored and what equality compares. Rejects anything JSON would
 * silently change (undefined, NaN, functions, class instances, cycles).
 */
export function canonicalJson(value: unknown): string {
  const text = canonical(value, new Set())
  if (encoder.encode(text).length > MAX_VALUE_BYTES) {
    throw new WeftStrongInputError('bad-value', `a value must be at most ${MAX_VALUE_BYTES} bytes as JSON`)
  }
  return text
}

function canonical(value: unknown, seen: Set<object>): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new WeftStrongInputError('bad-value', `a value may not contain ${value}`)
    return JSON.stringify(value)
  }
  if (typeof value !== 'object') throw new WeftStrongInputError('bad-value', `a value may not contain a ${typeof value}`)
  if (seen.has(value)) throw new WeftStrongInputError('bad-value', 'a value may not contain a cycle')
  seen.add(value)
  let out: string
  if (Array.isArray(value)) {
    out = `[${value.map((v) => canonical(v, seen)).join(',')}]`
  } else {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) throw new WeftStrongInputError('bad-value', 'a value may hold only plain objects and arrays')
    const keys = Object.keys(value).sort()
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], seen)}`).join(',')}}`
  }
  seen.delete(value)
  return out
}

/** Parses a stored canonical JSON value. */
export function parseValue(text: string): StrongValue {
  return JSON.parse(text) as StrongValue
}

/** An add's amount and bounds, checked, with the defaults filled in. */
export interface CheckedAdd {
  readonly n: number
  readonly min: number
  readonly max: number
}

/** Validates an add's amount and bounds; defaults keep the value a safe integer. */
export function checkAdd(n: unknown, bounds: CounterBounds | undefined): CheckedAdd {
  const min = bounds?.min ?? -Number.MAX_SAFE_INTEGER
  const max = bounds?.max ?? Number.MAX_SAFE_INTEGER
  for (const [name, v] of [
    ['n', n],
    ['min', min],
    ['max', max],
  ] as const) {
    if (!Number.isSafeInteger(v)) throw new WeftStrongInputError('bad-number', `${name} must be a safe integer, got ${String(v)}`)
  }
  if (min > max) throw new WeftStrongInputError('bad-number', `min (${min}) must not exceed max (${max})`)
  return { n: n as number, min, max }
}
