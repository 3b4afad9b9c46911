import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'

/**
 * Seeded property: random concurrent schedules of insert / delete / format /
 * unformat on three replicas, with deltas delivered late, out of order and
 * twice, converge to the same spans on every replica; a state snapshot and
 * a delta-since of any replica load into the same spans. fast-check prints
 * the seed and path of a failing schedule; replay one with
 * WEFT_MARKS_SEED=<seed> (WEFT_MARKS_RUNS sets how many schedules).
 */

const RUNS = Number(process.env['WEFT_MARKS_RUNS'] ?? 100)
const SEED = Number(process.env['WEFT_MARKS_SEED'] ?? 22)

type Step =
  | { kind: 'insert'; replica: number; at: number; text: string }
  | { kind: 'delete'; replica: number; at: number; len: number }
  | { kind: 'format'; replica: number; at: number; len: number; key: string; value: string | boolean | null }
  | { kind: 'deliver'; replica: number; pick: number; dup: boolean }

const KEYS = ['bold', 'italic', 'link', 'comment']
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), replica: fc.nat(2), at: fc.nat(200), text: fc.string({ minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), replica: fc.nat(2), at: fc.nat(200), len: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant('format' as const),
    replica: fc.nat(2),
    at: fc.nat(200),
    len: fc.integer({ min: 1, max: 8 }),
    key: fc.constantFrom(...KEYS),
    value: fc.oneof(fc.constant(true), fc.constant(null), fc.constantFrom('a', 'b')),
  }),
  fc.record({ kind: fc.constant('deliver' as const), replica: fc.nat(2), pick: fc.nat(1000), dup: fc.boolean() }),
)

function run(steps: Step[]): void {
  const seed = new Doc({ replicaId: 100 })
  seed.getText('t').insert(0, 'hello world')
  const base = seed.encodeState()
  const docs = [0, 1, 2].map((i) => Doc.load(base, { replicaId: i + 1 }))
  // Deltas each replica has yet to receive.
  const inbox: Uint8Array[][] = [[], [], []]
  docs.forEach((d, i) =>
    d.on('delta', (bytes) => {
      for (let j = 0; j < 3; j++) if (j !== i) inbox[j]!.push(bytes)
    }),
  )
  for (const s of steps) {
    const doc = docs[s.replica]!
    const t = doc.getText('t')
    if (s.kind === 'insert') t.insert(s.at % (t.length + 1), s.text)
    else if (s.kind === 'delete') {
      if (t.length === 0) continue
      const at = s.at % t.length
      t.delete(at, Math.min(s.len, t.length - at))
    } else if (s.kind === 'format') {
      if (t.length === 0) continue
      const at = s.at % t.length
      const len = Math.min(s.len, t.length - at)
      const value = s.key === 'link' && s.value === true ? 'x' : s.value
      t.format(at, len, { [s.key]: value })
    } else {
      const box = inbox[s.replica]!
      if (box.length === 0) continue
      const i = s.pick % box.length
      const bytes = box[i]!
      doc.applyDelta(bytes)
      if (!s.dup) box.splice(i, 1)
    }
  }
  // Everything arrives in the end, in reverse for good measure.
  docs.forEach((d, i) => {
    for (const bytes of inbox[i]!.reverse()) d.applyDelta(bytes)
  })
  const spans = docs[0]!.getText('t').toDelta()
  for (const d of docs) {
    expect(d.pendingCount).toBe(0)
    expect(d.getText('t').toDelta()).toEqual(spans)
    expect(d.digest()).toBe(docs[0]!.digest())
  }
  const loaded = Doc.load(docs[1]!.encodeState(), { replicaId: 50 })
  expect(loaded.getText('t').toDelta()).toEqual(spans)
  const fresh = Doc.load(base, { replicaId: 51 })
  fresh.applyDelta(docs[2]!.encodeDeltaSince(fresh.versionVector()))
  expect(fresh.getText('t').toDelta()).toEqual(spans)
  // Spans are maximal runs: no two neighbours with equal marks.
  for (let i = 1; i < spans.length; i++) expect(spans[i]!.attributes).not.toEqual(spans[i - 1]!.attributes)
}

describe('marks converge under random concurrent schedules', () => {
  it(`format/unformat/insert/delete on three replicas converge to the same spans (seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 60 }), (steps) => run(steps)),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
