import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compactFormatOf, decodeDelta, encodeDelta } from '../delta/codec.js'
import { decodeVersionVector, encodeVersionVector } from '../version-vector.js'
import { Doc } from './doc.js'

/** One random edit, interpreted against whatever state the doc is in (indices taken modulo). */
type Edit = { target: 0 | 1 | 2 | 3; a: number; b: number; s: string }
const edit = fc.record({
  target: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
  a: fc.nat(1000),
  b: fc.nat(1000),
  s: fc.string({ minLength: 1, maxLength: 4 }),
})

function applyEdit(doc: Doc, e: Edit): void {
  if (e.target === 0) {
    const t = doc.getText('t')
    if (e.b % 3 === 0 && t.length > 0) {
      const i = e.a % t.length
      t.delete(i, 1 + (e.b % Math.min(3, t.length - i)))
    } else t.insert(e.a % (t.length + 1), e.s)
  } else if (e.target === 1) {
    const l = doc.getList('l')
    if (e.b % 3 === 0 && l.length > 0) l.delete(e.a % l.length)
    else if (e.b % 5 === 1) l.insertContainer(e.a % (l.length + 1), 'text').insert(0, e.s)
    else l.insert(e.a % (l.length + 1), e.s, e.b)
  } else if (e.target === 2) {
    const m = doc.getMap('m')
    const key = ['x', 'y', '__proto__'][e.a % 3]!
    if (e.b % 4 === 0) m.delete(key)
    else if (e.b % 4 === 1) m.setContainer(key, 'counter').increment(e.a)
    else m.set(key, { s: e.s, n: e.b })
  } else {
    doc.getCounter('c').increment((e.a % 7) - 3 || 1)
  }
}

/** Three replicas diverge from a shared base; returns their deltas since the base. */
function diverge(base: Edit[], edits: [Edit[], Edit[], Edit[]]): { start: Uint8Array; deltas: Uint8Array[] } {
  const origin = new Doc({ replicaId: 9 })
  for (const e of base) applyEdit(origin, e)
  const start = origin.encodeState()
  const deltas = edits.map((list, i) => {
    const d = Doc.load(start, { replicaId: 10 + i })
    for (const e of list) applyEdit(d, e)
    return d.encodeDeltaSince(origin.versionVector())
  })
  return { start, deltas }
}

function joinInOrder(start: Uint8Array, deltas: Uint8Array[]): Doc {
  const d = Doc.load(start, { replicaId: 99 })
  for (const x of deltas) d.applyDelta(x)
  return d
}

const three = fc.tuple(fc.array(edit, { maxLength: 12 }), fc.array(edit, { maxLength: 12 }), fc.array(edit, { maxLength: 12 }))

describe('join laws (fast-check)', () => {
  it('join is commutative and associative: every delivery order gives the same state', () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 10 }), three, (base, edits) => {
        const { start, deltas } = diverge(base, edits)
        const [a, b, c] = deltas as [Uint8Array, Uint8Array, Uint8Array]
        const ref = joinInOrder(start, [a, b, c])
        for (const order of [
          [a, c, b],
          [b, a, c],
          [b, c, a],
          [c, a, b],
          [c, b, a],
        ]) {
          const other = joinInOrder(start, order)
          expect(other.toJSON()).toEqual(ref.toJSON())
          expect(other.digest()).toBe(ref.digest())
        }
        // (a ⊔ b) ⊔ c == a ⊔ (b ⊔ c): join b and c into one replica first, then ship its state.
        const bc = joinInOrder(start, [b, c])
        const grouped = joinInOrder(start, [a, bc.encodeState()])
        expect(grouped.digest()).toBe(ref.digest())
      }),
      { numRuns: 150 },
    )
  })

  it('join is idempotent: applying deltas and states again changes nothing', () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 10 }), three, (base, edits) => {
        const { start, deltas } = diverge(base, edits)
        const d = joinInOrder(start, deltas)
        const before = d.digest()
        for (const x of deltas) d.applyDelta(x)
        d.applyDelta(d.encodeState())
        d.applyDelta(start)
        expect(d.digest()).toBe(before)
      }),
      { numRuns: 150 },
    )
  })
})

describe('round trips (fast-check)', () => {
  it('states: load(encodeState()) has the same JSON, digest and bytes', () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 40 }), (edits) => {
        const doc = new Doc()
        for (const e of edits) applyEdit(doc, e)
        const state = doc.encodeState()
        const loaded = Doc.load(state)
        expect(loaded.toJSON()).toEqual(doc.toJSON())
        expect(loaded.digest()).toBe(doc.digest())
        expect(loaded.encodeState()).toEqual(state)
      }),
    )
  })

  it('deltas: decode(encode(d)) re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 20 }), (edits) => {
        const doc = new Doc()
        const deltas: Uint8Array[] = []
        doc.on('delta', (d) => deltas.push(d))
        for (const e of edits) applyEdit(doc, e)
        deltas.push(doc.encodeDeltaSince({}), doc.encodeState())
        // Each in the format it came in: local edits in v5 (dense), the catch-up and the state in v1-v3.
        for (const bytes of deltas) expect(encodeDelta(decodeDelta(bytes), undefined, compactFormatOf(bytes))).toEqual(bytes)
      }),
    )
  })

  it('version vectors round-trip', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.integer({ min: 1, max: 2 ** 53 - 1 }).map(String), fc.integer({ min: 1, max: 2 ** 53 - 1 })), (vv) => {
        expect(decodeVersionVector(encodeVersionVector(vv as never))).toEqual(vv)
      }),
    )
  })
})

describe('sequential model tests (fast-check)', () => {
  it('text behaves like a string', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat(5), fc.string({ maxLength: 6 }))), (ops) => {
        const doc = new Doc()
        const t = doc.getText('t')
        let model = ''
        for (const [ins, i, n, s] of ops) {
          if (ins || model.length === 0) {
            const at = i % (model.length + 1)
            t.insert(at, s)
            model = model.slice(0, at) + s + model.slice(at)
          } else {
            const at = i % model.length
            const len = Math.min(n, model.length - at)
            t.delete(at, len)
            model = model.slice(0, at) + model.slice(at + len)
          }
          expect(t.length).toBe(model.length)
        }
        expect(t.toString()).toBe(model)
      }),
    )
  })

  it('list behaves like an array', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat(4), fc.array(fc.integer(), { maxLength: 4 }))), (ops) => {
        const doc = new Doc()
        const l = doc.getList('l')
        const model: number[] = []
        for (const [ins, i, n, vals] of ops) {
          if (ins || model.length === 0) {
            const at = i % (model.length + 1)
            l.insert(at, ...vals)
            model.splice(at, 0, ...vals)
          } else {
            const at = i % model.length
            const len = Math.min(n, model.length - at)
            l.delete(at, len)
            model.splice(at, len)
          }
        }
        expect(l.toArray()).toEqual(model)
        expect(l.length).toBe(model.length)
        model.forEach((v, i) => expect(l.get(i)).toBe(v))
      }),
    )
  })

  it('map behaves like an object, including __proto__ and constructor keys', () => {
    const key = fc.constantFrom('a', 'b', '__proto__', 'constructor', 'prototype', 'toString')
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), key, fc.jsonValue())), (ops) => {
        const doc = new Doc()
        const m = doc.getMap('m')
        const model = new Map<string, unknown>()
        for (const [set, k, v] of ops) {
          if (set) {
            m.set(k, v as never)
            model.set(k, JSON.parse(JSON.stringify(v)))
          } else {
            m.delete(k)
            model.delete(k)
          }
        }
        expect(m.keys()).toEqual([...model.keys()].sort())
        for (const [k, v] of model) expect(JSON.parse(JSON.stringify(m.get(k)))).toEqual(v)
        const json = Doc.load(doc.encodeState()).toJSON()['m'] as Record<string, unknown> | undefined
        expect(Object.getPrototypeOf(json ?? {})).toBe(Object.prototype)
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
      }),
    )
  })
})
