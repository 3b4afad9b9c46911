import { inflateRawSync } from 'node:zlib'
import { deflateSync, inflateSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { decodeVersionVector, encodeVersionVector } from '../version-vector.js'

/**
 * Golden bytes of delta format version 1. These are frozen: a change here is
 * a format change and needs a new version byte, not an edited vector.
 */
function capture(fn: (doc: Doc) => void, replicaId = 5): string[] {
  const doc = new Doc({ replicaId })
  const out: string[] = []
  doc.on('delta', (d) => out.push(Buffer.from(d).toString('hex')))
  fn(doc)
  out.push(Buffer.from(doc.encodeState()).toString('hex'))
  return out
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))

const GOLDEN = {
  text: {
    deltas: ['01000105000101000201010004626f64790101010200000002686900', '01000105000101020101010004626f64790001010301010201'],
    state: '01010105000101000301010004626f64790201680102020100010a011101',
  },
}

/**
 * Version 3 (a text move): the insert of the copy, empty deletes and marks,
 * then the moves section: count 1, replica ref 1, counter 7, lamport 1,
 * copy from counter 5, 2 long, 1 source: ref 1, counter 3, 2 long.
 */
const GOLDEN_MOVE = {
  deltas: ['01000105000101000401010004626f64790101010400000004610a620a00', '03000105000101040301010004626f6479010105020001010002620a000001010701050201010302'],
  state: '03010105000101000701010004626f64790304620a610a01030a020b02000202010a0111010001010701050201010302',
}

describe('delta format v3 golden vectors', () => {
  it('a text move and the state after it', () => {
    const got = capture((doc) => {
      const t = doc.getText('body')
      t.insert(0, 'a\nb\n')
      t.move(2, 2, 0)
    })
    expect(got).toEqual([...GOLDEN_MOVE.deltas, GOLDEN_MOVE.state])
    const doc = new Doc()
    for (const d of GOLDEN_MOVE.deltas) doc.applyDelta(hex(d))
    expect(doc.toJSON()).toEqual({ body: 'b\na\n' })
    expect(Doc.load(hex(GOLDEN_MOVE.state)).toJSON()).toEqual({ body: 'b\na\n' })
  })
})

describe('delta format v1 golden vectors', () => {
  it('text insert, delete and state', () => {
    const got = capture((doc) => {
      const t = doc.getText('body')
      t.insert(0, 'hi')
      t.delete(1, 1)
    })
    expect(got.slice(0, 2)).toEqual(GOLDEN.text.deltas)
    expect(got[2]).toBe(GOLDEN.text.state)
    // And the frozen bytes still decode to the same document.
    const doc = new Doc()
    for (const d of GOLDEN.text.deltas) doc.applyDelta(hex(d))
    expect(doc.toJSON()).toEqual({ body: 'h' })
    expect(Doc.load(hex(GOLDEN.text.state)).toJSON()).toEqual({ body: 'h' })
  })

  it('map, list, nested containers and counter', () => {
    const got = capture((doc) => {
      doc.transact(() => {
        const m = doc.getMap('m')
        m.set('a', [1, 'x', { y: null }])
        m.setContainer('n', 'counter').increment(3)
        doc.getList('l').push(true, 2.5)
      })
    })
    expect(got).toMatchInlineSnapshot(`
      [
        "010001050001010005030300016d02016101010100060303020501780701017900016e010202010404010102010103060200016c0101040200000000020004000000000000044000",
        "010101050001010005030300016d02016101010100060303020501780701017900016e010202010404010102010103060200016c0102000200040000000000000440010108021201",
      ]
    `)
  })

  it('version vectors', () => {
    const bytes = encodeVersionVector({ 1: 5, 300: 2 ** 40 })
    expect(Buffer.from(bytes).toString('hex')).toBe('01020105ac02808080808020')
    expect(decodeVersionVector(bytes)).toEqual({ 1: 5, 300: 2 ** 40 })
  })
})

describe('deflated states', () => {
  it("decode whichever deflate wrote them (Node's zlib here, fflate in browsers)", () => {
    const doc = new Doc({ replicaId: 9 })
    doc.getText('body').insert(0, 'the same sentence, many times over. '.repeat(100))
    const state = doc.encodeState()
    expect(state[1]! & 2).toBe(2) // deflated
    // Same platform, same bytes: a loaded state re-encodes unchanged.
    expect(Doc.load(state).encodeState()).toEqual(state)
    // Re-pack the same body with fflate, as a browser would have written it.
    const raw = rawBody(state)
    const header = state.subarray(0, 2)
    const lengthPrefix = varuint(raw.length)
    const fromBrowser = Uint8Array.from([...header, ...lengthPrefix, ...deflateSync(raw, { level: 6 })])
    expect(Doc.load(fromBrowser).toJSON()).toEqual(doc.toJSON())
    // And a browser's fflate inflates what Node's zlib wrote.
    expect(inflateSync(state.subarray(2 + lengthPrefix.length))).toEqual(raw)
  })
})

/** The inflated body of a deflated state (after its two header bytes and length varint). */
function rawBody(state: Uint8Array): Uint8Array {
  let pos = 2
  let len = 0
  let shift = 1
  for (;;) {
    const b = state[pos++]!
    len += (b & 0x7f) * shift
    shift *= 128
    if (b < 0x80) break
  }
  const out = inflateRawSync(state.subarray(pos))
  expect(out.length).toBe(len)
  return new Uint8Array(out)
}

function varuint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}
