import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { depsToVersionVector, type DotRange } from '../delta/types.js'
import { depsFrom } from '../test-support/ops.js'
import type { VersionVector } from '../version-vector.js'
import { Heads } from './heads.js'

/** The rule `Heads` implements, written plainly over a Map. */
function referenceAdvance(heads: Map<number, number>, self: number, ranges: DotRange[], deps: VersionVector): void {
  for (const [r, c] of heads) {
    let implied = c <= (deps[r] ?? 0)
    for (const range of ranges) if (range.replica === r && c <= range.to) implied = true
    if (implied) heads.delete(r)
  }
  for (const range of ranges) {
    if (range.replica !== self && range.to > (heads.get(range.replica) ?? 0)) heads.set(range.replica, range.to)
  }
}

const SELF = 1
const replica = fc.integer({ min: 1, max: 5 })
const delta = fc.record({
  ranges: fc.uniqueArray(fc.record({ replica, from: fc.nat(20), len: fc.integer({ min: 1, max: 5 }) }), { selector: (r) => r.replica, maxLength: 3 }),
  deps: fc.dictionary(replica.map(String), fc.nat(25), { maxKeys: 3 }),
})

/** Many replicas per delta (a state of a doc many wrote): `advance` switches from scans to Maps. */
const wideReplica = fc.integer({ min: 1, max: 80 })
const wideDelta = fc.record({
  ranges: fc.uniqueArray(fc.record({ replica: wideReplica, from: fc.nat(20), len: fc.integer({ min: 1, max: 5 }) }), {
    selector: (r) => r.replica,
    maxLength: 60,
  }),
  deps: fc.dictionary(wideReplica.map(String), fc.nat(25), { maxKeys: 20 }),
})

describe('Heads', () => {
  for (const [what, deltaArb] of [
    ['few', delta],
    ['many', wideDelta],
  ] as const) {
    it(`folds deltas in as the frontier rule says (implied heads leave, new dots join, none is lowered), ${what} replicas`, () => {
      fc.assert(
        fc.property(fc.array(deltaArb, { maxLength: 12 }), fc.array(fc.nat(12), { maxLength: 3 }), (deltas, takes) => {
          const heads = new Heads()
          const model = new Map<number, number>()
          deltas.forEach(({ ranges, deps }, i) => {
            const dots = ranges.map((r) => ({ replica: r.replica, from: r.from, to: r.from + r.len }))
            heads.advance(SELF, dots, depsFrom(deps as VersionVector))
            referenceAdvance(model, SELF, dots, deps as VersionVector)
            expect(heads.size).toBe(model.size)
            for (const [r, c] of model) expect(heads.get(r)).toBe(c)
            if (takes.includes(i)) {
              expect(depsToVersionVector(heads.take())).toEqual(Object.fromEntries(model))
              model.clear()
              expect(heads.size).toBe(0)
            }
          })
        }),
        { numRuns: what === 'few' ? 2000 : 300 },
      )
    })
  }
})
