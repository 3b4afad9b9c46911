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
