import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WeftStrongInputError, WeftUnavailableError } from './strong-errors.js'
import type { StrongOps } from './strong-ops.js'

/** One StrongOps under test over fresh, empty data, plus a way to open more clients of the same data. */
export interface StrongOpsHarness {
  readonly ops: StrongOps
  /** Another independent client over the same data (as another server node would be). The suite closes it. */
  open(): Promise<StrongOps>
  cleanup?(): Promise<void>
}

/**
 * The behaviour every {@link StrongOps} implementation must show. Call it
 * from a `*.test.ts` file with a factory that makes a fresh, empty backend
 * each time. Linearizability under faults is checked separately, by recorded
 * histories and the checker in the repo's tests; this suite pins the
 * sequential meaning, input checks, atomicity under contention and `close`.
 *
 * @example
 * ```ts
 * runStrongOpsContract('MyStrongOps', async () => {
 *   const backend = await startBackend()
 *   return { ops: await MyStrongOps.open(backend), open: () => MyStrongOps.open(backend), cleanup: () => backend.stop() }
 * })
 * ```
 */
export function runStrongOpsContract(name: string, makeHarness: () => Promise<StrongOpsHarness>): void {
  describe(`StrongOps contract: ${name}`, () => {
    let h: StrongOpsHarness
    let ops: StrongOps
    const others: StrongOps[] = []
    const another = async () => {
      const o = await h.open()
      others.push(o)
      return o
    }
    beforeEach(async () => {
      h = await makeHarness()
      ops = h.ops
    })
    afterEach(async () => {
      await Promise.all([ops, ...others.splice(0)].map((o) => o.close()))
      await h.cleanup?.()
    })

    it('claims a free name, refuses it to others, and is idempotent for its holder', async () => {
      expect(await ops.readClaim('/n/roadmap')).toEqual({ holder: null })
      expect(await ops.claim('/n/roadmap', 'alice')).toEqual({ ok: true, holder: 'alice' })
      expect(await ops.claim('/n/roadmap', 'bob')).toEqual({ ok: false, holder: 'alice' })
      expect(await ops.claim('/n/roadmap', 'alice')).toEqual({ ok: true, holder: 'alice' })
      expect(await ops.readClaim('/n/roadmap')).toEqual({ holder: 'alice' })
      expect(await ops.readClaim('/n/other')).toEqual({ holder: null })
    })

    it('releases only for the holder; a released name can be claimed by anyone', async () => {
      expect(await ops.release('x', 'alice')).toEqual({ ok: false, holder: null })
      await ops.claim('x', 'alice')
      expect(await ops.release('x', 'bob')).toEqual({ ok: false, holder: 'alice' })
      expect(await ops.release('x', 'alice')).toEqual({ ok: true, holder: null })
      expect(await ops.release('x', 'alice')).toEqual({ ok: false, holder: null })
      expect(await ops.claim('x', 'bob')).toEqual({ ok: true, holder: 'bob' })
    })

    it('compare-and-sets JSON values: null is absent, objects compare regardless of key order', async () => {
      expect(await ops.read('k')).toEqual({ value: null })
      expect(await ops.compareAndSet('k', 1, 2)).toEqual({ ok: false, value: null })
      expect(await ops.compareAndSet('k', null, { b: [1, 'two'], a: true })).toEqual({ ok: true, value: { a: true, b: [1, 'two'] } })
      expect(await ops.compareAndSet('k', null, 5)).toEqual({ ok: false, value: { a: true, b: [1, 'two'] } })
      expect(await ops.compareAndSet('k', { a: true, b: [1, 'two'] }, 'next')).toEqual({ ok: true, value: 'next' })
      expect(await ops.read('k')).toEqual({ value: 'next' })
      expect(await ops.compareAndSet('k', 'next', null)).toEqual({ ok: true, value: null })
      expect(await ops.read('k')).toEqual({ value: null })
      expect(await ops.compareAndSet('k', null, 'again')).toEqual({ ok: true, value: 'again' })
    })

    it('adds within bounds and refuses an add that would leave them, changing nothing', async () => {
      expect(await ops.readCounter('seats')).toEqual({ value: 0 })
      expect(await ops.add('seats', 3, { max: 4 })).toEqual({ ok: true, value: 3 })
      expect(await ops.add('seats', 2, { max: 4 })).toEqual({ ok: false, value: 3 })
      expect(await ops.add('seats', -5, { min: 0 })).toEqual({ ok: false, value: 3 })
      expect(await ops.add('seats', -3, { min: 0, max: 4 })).toEqual({ ok: true, value: 0 })
      expect(await ops.add('seats', 0)).toEqual({ ok: true, value: 0 })
      expect(await ops.add('debt', -7)).toEqual({ ok: true, value: -7 })
      // A new counter starts at 0 even when 0 is outside the bounds given.
      expect(await ops.add('fresh', 1, { min: 5, max: 9 })).toEqual({ ok: false, value: 0 })
      expect(await ops.add('fresh', 6, { min: 5, max: 9 })).toEqual({ ok: true, value: 6 })
      expect(await ops.readCounter('seats')).toEqual({ value: 0 })
    })

    it('keeps values safe integers: an add past 2^53 - 1 is refused', async () => {
      expect(await ops.add('big', Number.MAX_SAFE_INTEGER)).toEqual({ ok: true, value: Number.MAX_SAFE_INTEGER })
      expect(await ops.add('big', 1)).toEqual({ ok: false, value: Number.MAX_SAFE_INTEGER })
      expect(await ops.add('big', -Number.MAX_SAFE_INTEGER)).toEqual({ ok: true, value: 0 })
    })

    it('keeps claims, registers and counters in separate key spaces', async () => {
      await ops.claim('same', 'alice')
      await ops.compareAndSet('same', null, 'v')
      await ops.add('same', 2)
      expect(await ops.readClaim('same')).toEqual({ holder: 'alice' })
      expect(await ops.read('same')).toEqual({ value: 'v' })
      expect(await ops.readCounter('same')).toEqual({ value: 2 })
    })

    it('accepts any key text: slashes, dots, spaces, wildcards and non-ASCII', async () => {
      const keys = ['/n/trip-to-lisbon', 'a.b.c', 'with space', '*', '>', 'ключ 🔑', '$KV.x', 'a'.repeat(512)]
      for (const [i, key] of keys.entries()) expect(await ops.claim(key, `o${i}`)).toEqual({ ok: true, holder: `o${i}` })
      for (const [i, key] of keys.entries()) expect(await ops.readClaim(key)).toEqual({ holder: `o${i}` })
    })

    it('refuses bad input with a typed error before changing anything', async () => {
      const input = (p: Promise<unknown>, code: string) => expect(p).rejects.toMatchObject({ name: 'WeftStrongInputError', code })
      await input(ops.claim('', 'alice'), 'bad-key')
      await input(ops.claim('a'.repeat(513), 'alice'), 'bad-key')
      await input(ops.claim(42 as unknown as string, 'alice'), 'bad-key')
      await input(ops.claim('x', ''), 'bad-owner')
      await input(ops.release('x', null as unknown as string), 'bad-owner')
      await input(ops.compareAndSet('k', null, Number.NaN), 'bad-value')
      await input(ops.compareAndSet('k', null, { a: undefined } as never), 'bad-value')
      await input(ops.compareAndSet('k', null, new Date() as never), 'bad-value')
      await input(ops.compareAndSet('k', null, 'x'.repeat(70_000)), 'bad-value')
      await input(ops.add('c', 1.5), 'bad-number')
      await input(ops.add('c', 2 ** 60), 'bad-number')
      await input(ops.add('c', 1, { min: 3, max: 2 }), 'bad-number')
      await expect(ops.claim('', 'a')).rejects.toBeInstanceOf(WeftStrongInputError)
      expect(await ops.readClaim('x')).toEqual({ holder: null })
      expect(await ops.read('k')).toEqual({ value: null })
      expect(await ops.readCounter('c')).toEqual({ value: 0 })
    })

    it('gives a contended name to exactly one of many concurrent claimers, across clients', async () => {
      const clients = [ops, await another(), await another()]
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => clients[i % clients.length]!.claim('contended', `owner-${i}`)))
      const winners = results.filter((r) => r.ok)
      expect(winners).toHaveLength(1)
      const holder = winners[0]!.holder
      for (const r of results) expect(r.holder).toBe(holder)
      expect(await clients[2]!.readClaim('contended')).toEqual({ holder })
    })

    it('never lets concurrent bounded adds overshoot, across clients', async () => {
      const clients = [ops, await another(), await another()]
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => clients[i % clients.length]!.add('seats', 1, { max: 10 })))
      expect(results.filter((r) => r.ok)).toHaveLength(10)
      expect(results.filter((r) => !r.ok).every((r) => r.value === 10)).toBe(true)
      expect(await clients[1]!.readCounter('seats')).toEqual({ value: 10 })
    })

    it('applies each successful compare-and-set exactly once under contention', async () => {
      const clients = [ops, await another(), await another()]
      let successes = 0
      await Promise.all(
        clients.map(async (client) => {
          for (let i = 0; i < 8; i++) {
            const { value } = await client.read('n')
            const n = typeof value === 'number' ? value : 0
            if ((await client.compareAndSet('n', value, n + 1)).ok) successes++
          }
        }),
      )
      expect(successes).toBeGreaterThan(0)
      expect(await ops.read('n')).toEqual({ value: successes })
    })

    it('keeps what was decided when a client closes and another opens', async () => {
      await ops.claim('kept', 'alice')
      await ops.compareAndSet('kept', null, [1, 2])
      await ops.add('kept', 4)
      await ops.close()
      const again = await another()
      expect(await again.readClaim('kept')).toEqual({ holder: 'alice' })
      expect(await again.read('kept')).toEqual({ value: [1, 2] })
      expect(await again.readCounter('kept')).toEqual({ value: 4 })
    })

    it('refuses every operation after close with WeftUnavailableError(closed)', async () => {
      await ops.close()
      for (const p of [
        ops.claim('x', 'a'),
        ops.release('x', 'a'),
        ops.readClaim('x'),
        ops.compareAndSet('k', null, 1),
        ops.read('k'),
        ops.add('c', 1),
        ops.readCounter('c'),
      ]) {
        await expect(p).rejects.toBeInstanceOf(WeftUnavailableError)
        await expect(p).rejects.toMatchObject({ code: 'closed' })
      }
      await ops.close() // idempotent
    })
  })
}
