import { seededRandom } from '@weft/crdt-core'
import { describe, expect, it } from 'vitest'
import { type Model, type Operation, UNKNOWN, checkLinearizable, describeResult } from './linearizability.js'
import { type ClaimInput, type ClaimOutput, type RegisterInput, type RegisterOutput, boundedCounterModel, claimModel, registerModel } from './models.js'

type RegOp = Operation<RegisterInput<number>, RegisterOutput<number>>
const reg = registerModel(0)

const read = (client: string, call: number, ret: number | undefined, value: number): RegOp => ({
  client,
  input: { kind: 'read', key: 'x' },
  call,
  ret,
  output: { value },
})
const write = (client: string, call: number, ret: number | undefined, value: number): RegOp => ({
  client,
  input: { kind: 'write', key: 'x', value },
  call,
  ret,
  output: { ok: true },
})
const cas = (client: string, call: number, ret: number | undefined, expected: number, next: number, ok: boolean): RegOp => ({
  client,
  input: { kind: 'cas', key: 'x', expected, next },
  call,
  ret,
  output: { ok },
})

describe('linearizability checker: histories with known answers', () => {
  it('accepts an empty history and a sequential one', () => {
    expect(checkLinearizable(reg, []).ok).toBe(true)
    expect(checkLinearizable(reg, [write('a', 0, 1, 1), read('b', 2, 3, 1), cas('a', 4, 5, 1, 2, true), read('b', 6, 7, 2)]).ok).toBe(true)
  })

  it('rejects a stale read: a read that starts after a write returned sees the old value', () => {
    const r = checkLinearizable(reg, [write('a', 0, 10, 1), read('b', 11, 12, 0)])
    expect(r.ok).toBe(false)
    expect(describeResult(r)).toContain('NOT linearizable')
  })

  it('accepts either value for a read concurrent with a write', () => {
    expect(checkLinearizable(reg, [write('a', 0, 10, 1), read('b', 5, 12, 0)]).ok).toBe(true)
    expect(checkLinearizable(reg, [write('a', 0, 10, 1), read('b', 5, 12, 1)]).ok).toBe(true)
  })

  it('rejects reads that go back in time: once a later read saw the new value, a read after it may not see the old one', () => {
    // The write is concurrent with both reads, but the reads do not overlap each other.
    const h = [write('a', 0, 100, 1), read('b', 10, 20, 1), read('c', 30, 40, 0)]
    expect(checkLinearizable(reg, h).ok).toBe(false)
  })

  it('rejects two successful CAS from the same expected value (a lost update)', () => {
    const h = [cas('a', 0, 10, 0, 1, true), cas('b', 0, 10, 0, 2, true)]
    expect(checkLinearizable(reg, h).ok).toBe(false)
    // One success and one failure is fine, whichever order.
    expect(checkLinearizable(reg, [cas('a', 0, 10, 0, 1, true), cas('b', 0, 10, 0, 2, false)]).ok).toBe(true)
  })

  it('lets an operation with an unknown outcome take effect or not', () => {
    const pendingWrite = { ...write('a', 0, undefined, 1) }
    expect(checkLinearizable(reg, [pendingWrite, read('b', 5, 6, 1)]).ok).toBe(true) // it happened
    expect(checkLinearizable(reg, [pendingWrite, read('b', 5, 6, 0)]).ok).toBe(true) // not (yet)
    // ... but not before it was called.
    expect(checkLinearizable(reg, [read('b', 0, 1, 1), { ...write('a', 2, undefined, 1) }]).ok).toBe(false)
    // ... and once observed it cannot be un-done.
    expect(checkLinearizable(reg, [pendingWrite, read('b', 5, 6, 1), read('b', 7, 8, 0)]).ok).toBe(false)
  })

  it('checks each key on its own and reports the failing key', () => {
    const other = (op: RegOp): RegOp => ({ ...op, input: { ...op.input, key: 'y' } })
    const h = [write('a', 0, 1, 1), read('b', 2, 3, 1), other(write('a', 0, 1, 5)), other(read('c', 2, 3, 0))]
    const r = checkLinearizable(reg, h, { partition: (op) => op.input.key })
    expect(r.ok).toBe(false)
    if (r.ok === false) expect(r.partition).toBe('y')
  })

  it('claims: two owners may not both hold a name; a release frees it', () => {
    const m = claimModel()
    const claim = (owner: string, call: number, ret: number, ok: boolean, holder: string | null): Operation<ClaimInput, ClaimOutput> => ({
      client: owner,
      input: { kind: 'claim', name: '/roadmap', owner },
      call,
      ret,
      output: { ok, holder },
    })
    expect(checkLinearizable(m, [claim('a', 0, 5, true, 'a'), claim('b', 0, 5, false, 'a')]).ok).toBe(true)
    expect(checkLinearizable(m, [claim('a', 0, 5, true, 'a'), claim('b', 0, 5, true, 'b')]).ok).toBe(false)
    const release: Operation<ClaimInput, ClaimOutput> = {
      client: 'a',
      input: { kind: 'release', name: '/roadmap', owner: 'a' },
      call: 6,
      ret: 7,
      output: { ok: true, holder: null },
    }
    expect(checkLinearizable(m, [claim('a', 0, 5, true, 'a'), release, claim('b', 8, 9, true, 'b')]).ok).toBe(true)
    // b's claim ended before a's release began: it must have failed.
    expect(checkLinearizable(m, [claim('a', 0, 1, true, 'a'), claim('b', 2, 3, true, 'b'), release]).ok).toBe(false)
  })

  it('bounded counter: adds past the bound are refused, and the checker notices one that was not', () => {
    const m = boundedCounterModel(0)
    const add = (client: string, call: number, ret: number, n: number, ok: boolean, value: number) => ({
      client,
      input: { kind: 'add' as const, key: 'seats', n, max: 2 },
      call,
      ret,
      output: { ok, value },
    })
    expect(checkLinearizable(m, [add('a', 0, 10, 1, true, 1), add('b', 0, 10, 1, true, 2), add('c', 0, 10, 1, false, 2)]).ok).toBe(true)
    expect(checkLinearizable(m, [add('a', 0, 10, 1, true, 1), add('b', 0, 10, 1, true, 2), add('c', 0, 10, 1, true, 3)]).ok).toBe(false)
  })
})

/** Every order (and, for unknown outcomes, every subset) the definition allows: the reference for small histories. */
function bruteForce<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[]): boolean {
  const n = ops.length
  const placed = new Array<boolean>(n).fill(false)
  const search = (state: S, count: number): boolean => {
    const pendingLeft = ops.every((op, i) => placed[i] || op.ret === undefined)
    if (pendingLeft) return true // the rest never took effect
    for (let i = 0; i < n; i++) {
      if (placed[i]) continue
      const op = ops[i]!
      // i may go next only if no unplaced op returned before i was called.
      if (ops.some((o, j) => !placed[j] && j !== i && o.ret !== undefined && o.ret < op.call)) continue
      const next = model.step(state, op.input, op.ret === undefined ? UNKNOWN : (op.output as O))
      if (next === undefined) continue
      placed[i] = true
      if (search(next, count + 1)) return true
      placed[i] = false
    }
    return false
  }
  return search(model.init(), 0)
}

/**
 * Runs clients against a real sequential register, each op taking effect at a
 * random instant inside its interval: linearizable by construction. Some ops
 * lose their result (unknown outcome), some take no effect at all.
 */
function randomHistory(rand: () => number, ops: number): RegOp[] {
  const events: { at: number; apply: () => void }[] = []
  const history: RegOp[] = []
  let value = 0
  for (let i = 0; i < ops; i++) {
    const call = Math.floor(rand() * 100)
    const ret = call + 1 + Math.floor(rand() * 30)
    const at = call + rand() * (ret - call)
    const client = `c${i}`
    const r = rand()
    const lost = rand() < 0.15
    const op: { -readonly [K in keyof RegOp]: RegOp[K] } = { client, call, ret: lost ? undefined : ret, input: { kind: 'read', key: 'x' } }
    if (r < 0.35) op.input = { kind: 'read', key: 'x' }
    else if (r < 0.7) op.input = { kind: 'write', key: 'x', value: 1 + Math.floor(rand() * 3) }
    else op.input = { kind: 'cas', key: 'x', expected: Math.floor(rand() * 4), next: Math.floor(rand() * 4) }
    const input = op.input
    if (!(lost && rand() < 0.5)) {
      events.push({
        at,
        apply: () => {
          if (input.kind === 'read') op.output = { value }
          else if (input.kind === 'write') {
            value = input.value
            op.output = { ok: true }
          } else {
            const ok = value === input.expected
            if (ok) value = input.next
            op.output = { ok }
          }
        },
      })
    }
    history.push(op)
  }
  events.sort((a, b) => a.at - b.at)
  for (const e of events) e.apply()
  return history
}

describe('linearizability checker against brute force', () => {
  it('agrees on 3,000 seeded random histories, half of them with one result altered', () => {
    const seed = Number(process.env['WEFT_SEED'] ?? 20261202)
    const rand = seededRandom(seed)
    let violations = 0
    for (let run = 0; run < 3000; run++) {
      const h = randomHistory(rand, 2 + Math.floor(rand() * 6))
      expect(checkLinearizable(reg, h).ok, `run ${run} (seed ${seed}) is linearizable by construction`).toBe(true)
      // Alter one known result: sometimes still linearizable, often not.
      const known = h.filter((op) => op.ret !== undefined && op.output !== undefined)
      if (run % 2 === 0 || known.length === 0) continue
      const victim = known[Math.floor(rand() * known.length)]!
      const altered = h.map((op) => {
        if (op !== victim) return op
        const out = op.output!
        return { ...op, output: 'value' in out ? { value: (out.value + 1) % 4 } : { ok: !out.ok } }
      })
      const expected = bruteForce(reg, altered)
      if (!expected) violations++
      expect(checkLinearizable(reg, altered).ok, `run ${run}, seed ${seed}: ${JSON.stringify(altered)}`).toBe(expected)
    }
    // The altered histories must really exercise the "not linearizable" answer.
    expect(violations).toBeGreaterThan(300)
  })

  it('decides a 400-operation history of 8 overlapping clients quickly thanks to memoisation', () => {
    const rand = seededRandom(7)
    const h: RegOp[] = []
    let value = 0
    // 8 clients, each op overlapping the others' current ops.
    for (let i = 0; i < 400; i++) {
      const call = i
      const ret = i + 8
      const kind = i % 3
      if (kind === 0) h.push(read(`c${i % 8}`, call, ret, value))
      else if (kind === 1) h.push(write(`c${i % 8}`, call, ret, (value = Math.floor(rand() * 5))))
      else {
        h.push(cas(`c${i % 8}`, call, ret, value, value + 1, true))
        value++
      }
    }
    const r = checkLinearizable(reg, h)
    expect(r.ok).toBe(true)
  })

  it('refutes 14 concurrent writes followed by an impossible read by memoisation, not by trying 14! orders', () => {
    const h = Array.from({ length: 14 }, (_, i) => write(`c${i}`, 0, 10, 1))
    h.push(read('r', 11, 12, 2))
    const r = checkLinearizable(reg, h, { maxStates: 100_000 })
    expect(r.ok).toBe(false)
  })
})
