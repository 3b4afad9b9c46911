import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { inspectDelta } from '../delta/inspect.js'
import { WeftCausalBufferFullError, WeftDecodeError } from '../errors.js'
import { HOSTILE_KINDS, hostileInput } from '../test-support/hostile/generators.js'
import { Rng } from '../test-support/rng.js'

/**
 * Every hostile input either decodes (and the doc it joins still digests,
 * prints and re-encodes) or is refused with a typed Weft error: never a
 * RangeError, TypeError or anything untyped, and within a time bound.
 *
 * CI: a fixed seed for a few seconds. Soak: WEFT_FUZZ_SOAK=<seconds> runs
 * fresh seeds for that long. Replay: WEFT_SEED=<seed> (printed on failure).
 */
const soakSeconds = Number(process.env['WEFT_FUZZ_SOAK'] ?? 0)
const budgetMs = soakSeconds > 0 ? soakSeconds * 1000 : 8000
/** Per input. Generous: CI machines run other suites at once; a quadratic or unbounded path takes far longer. */
const PER_INPUT_MS = 3000

function isTyped(e: unknown): boolean {
  return e instanceof WeftDecodeError || e instanceof WeftCausalBufferFullError
}

function check(bytes: Uint8Array, into: Doc): void {
  try {
    inspectDelta(bytes)
  } catch (e) {
    if (!isTyped(e)) throw e
  }
  try {
    into.applyDeltaInspect(bytes)
  } catch (e) {
    if (!isTyped(e)) throw e
    return
  }
  into.digest()
  into.encodeState()
}

describe('hostile decode fuzz', () => {
  it(
    'every input decodes or throws a typed Weft error, in bounded time',
    () => {
      const fixed = process.env['WEFT_SEED']
      const base = fixed !== undefined ? Number(fixed) : soakSeconds > 0 ? Date.now() % 1e9 : 20_251_202
      const seen = new Set<string>()
      const start = performance.now()
      let count = 0
      for (let seed = base; performance.now() - start < budgetMs; seed++) {
        const rng = new Rng(seed)
        const input = hostileInput(rng, soakSeconds > 0 ? 2 : 1)
        seen.add(input.kind.replace('+mutated', ''))
        const t0 = performance.now()
        try {
          check(input.bytes, new Doc())
          // And into a doc that already holds something, so inputs meet existing containers.
          const busy = new Doc({ replicaId: 1 })
          busy.getMap('m').setContainer('n', 'map').set('x', 1)
          busy.getText('t').insert(0, 'abc')
          check(input.bytes, busy)
        } catch (e) {
          throw new Error(`seed ${seed} (${input.kind}, ${input.bytes.length} bytes) threw untyped ${String(e)}; replay with WEFT_SEED=${seed}`, { cause: e })
        }
        const ms = performance.now() - t0
        if (ms > PER_INPUT_MS)
          throw new Error(`seed ${seed} (${input.kind}, ${input.bytes.length} bytes) took ${ms.toFixed(0)} ms; replay with WEFT_SEED=${seed}`)
        count++
        if (fixed !== undefined) break
      }
      if (fixed === undefined)
        expect(seen.size, `generators reached: ${[...seen].join(', ')} after ${count} inputs`).toBeGreaterThanOrEqual(HOSTILE_KINDS.length - 1)
    },
    60_000 + budgetMs,
  )
})
