import type { JsonValue } from '../values.js'

/** Why a JSON value is out of bounds, or undefined when it is within them. */
export type JsonBoundsViolation = 'too-deep' | 'too-large'

/**
 * Checks a parsed JSON value against a nesting depth and an approximate
 * serialized size without recursion, so a 20,000-deep array costs a short
 * walk instead of a stack overflow in `JSON.stringify` ([PRES-5]). Stops at
 * the first bound passed, so its cost is O(min(value, maxBytes)).
 *
 * @example
 * ```ts
 * if (jsonBoundsViolation(state, { maxDepth: 32, maxBytes: 4096 })) refuse()
 * ```
 */
export function jsonBoundsViolation(value: JsonValue, bounds: { readonly maxDepth: number; readonly maxBytes: number }): JsonBoundsViolation | undefined {
  const stack: { v: JsonValue; depth: number }[] = [{ v: value, depth: 1 }]
  let bytes = 0
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!
    if (depth > bounds.maxDepth) return 'too-deep'
    if (v === null || typeof v === 'boolean') bytes += 5
    else if (typeof v === 'number') bytes += 24
    else if (typeof v === 'string') bytes += v.length + 2
    else if (Array.isArray(v)) {
      bytes += 2 + v.length
      if (bytes > bounds.maxBytes) return 'too-large'
      for (const item of v) stack.push({ v: item, depth: depth + 1 })
    } else {
      const entries = Object.entries(v)
      bytes += 2
      for (const [k] of entries) bytes += k.length + 4
      if (bytes > bounds.maxBytes) return 'too-large'
      for (const [, item] of entries) stack.push({ v: item as JsonValue, depth: depth + 1 })
    }
    if (bytes > bounds.maxBytes) return 'too-large'
  }
  return undefined
}
