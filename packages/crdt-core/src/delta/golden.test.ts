import { inflateRawSync } from 'node:zlib'
import { deflateSync, inflateSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { decodeVersionVector, encodeVersionVector } from '../version-vector.js'

/**
 * Golden bytes of delta formats 1 and 3 to 6. These are frozen: a change here
 * is a format change and needs a new version byte, not an edited vector.
 * Versions 1-3 are what a document created with `deltaFormat: 3` writes;
 * version 6 is the default for the deltas of local edits (states stay 1-3).
 */
function capture(fn: (doc: Doc) => void, deltaFormat: 3 | 4 | 5 | 6 = 3, replicaId = 5): string[] {
  const doc = new Doc({ replicaId, deltaFormat })
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

/**
 * Version 4, what local edits are written in by default. The first keystroke
 * ('hi' into `body`), byte by byte: version 4, flags 0 | table: 1 id, 5 |
 * no dependencies | one range: ref 1, from 0 (no dependency on replica 5, so
 * absolute), 2 long | one container: kind and tag in one byte (text << 3,
 * root), `body` | one insert: ref 1, counter 0 past the range's start, length
 * and deleted flag 2 * 2 + 0, no origins, 'hi' | no deletes. The delete of
 * 'i' names its target back from its own counter (3 - 1 = 2); the insert of
 * 'o' its origins ('h' at 4 - 3, 'i' at 4 - 2).
 */
const GOLDEN_V4 = {
  text: [
    '040001050001010002010804626f647901010004000002686900',
    '040001050001010201010804626f64790001010001010101',
    '040001050001010301010804626f64790101000201030102016f00',
  ],
  // A move (tag bit 2: a moves section follows), then a format (tag bit 1: a marks section follows).
  rich: [
    '040001050001010004010804626f647901010008000004610a620a00',
    '040001050001010403010c04626f64790101000400010402620a0001010701050201010302',
    '040001050001010701010a04626f647900000101080204626f6c64010201050106',
  ],
  // One transaction over a map with a nested counter and a list; then the map's key set again.
  containers: [
    '0400010500010100050318016d02016101000100060303020501780701017900016e01010201042101020101020610016c01010304000000020004000000000000044000',
    '0400010500010105010118016d010161010003000304',
  ],
}

/**
 * The same edits in v5 (see codec.ts's version history). The first, byte by
 * byte: version 5 | flags 0x1c: no dependencies, one range, one container |
 * table: 1 id, 5 | range: ref 1, from 0, 2 long | id byte 0x48: an inserts
 * section (0x40), text << 3, root | `body` | 1 insert | opening 2 * 8 + 2:
 * length 2, ASCII, its dot the expected one (5:1, left out) | no origins |
 * 'hi' with no byte length. The delete of 'i' opens with 1 range * 2 and its
 * dot left out (5:3, the range's first).
 */
const GOLDEN_V5 = {
  text: ['051c01050100024804626f6479011200006869', '051c01050102018804626f64790102010101', '051c01050103014804626f6479010a010301026f'],
  rich: [
    '051c01050100044804626f647901220000610a620a',
    '051c01050104034c04626f64790112000104620a01010701050201010302',
    '051c01050107010a04626f64790101080204626f6c64010201050106',
  ],
  containers: [
    '050c01050100050318016d02016102060303020501780701017900016e04142101020101020650016c0110000002040000000000000440',
    '051c010501050118016d010161060304',
  ],
}

/**
 * The same edits in v6. The first, byte by byte: version 6 | flags 0x7c: no
 * dependencies, one range, one container, one replica (no table count, no
 * reference to it anywhere), one op (no op count) | id 5 | range: from 0, 2
 * long | id byte 0x48, `body` | opening 2 * 8 + 2 | origins: none, none (one
 * field each) | 'hi'. The delete of 'i' opens with 1 range * 4 + 2 (unit
 * ranges: no length) and names 'i' back from its own counter (3 - 2 = 1); the
 * insert of 'o' its origins as one field each ('h' at 4 - 3, 'i' at 4 - 2).
 */
const GOLDEN_V6 = {
  text: ['067c0500024804626f64791200006869', '067c0502018804626f64790601', '067c0503014804626f64790a03026f'],
  rich: [
    '067c0500044804626f6479220000610a620a',
    '067c0504034c04626f6479120004620a01010701050201010302',
    '063c0507010a04626f64790101080204626f6c64010201050106',
  ],
  containers: ['062c0500050318016d02016102060303020501780701017900016e0414210201020650016c0110000002040000000000000440', '067c05050118016d0161060304'],
}

describe.each([
  [4, GOLDEN_V4],
  [5, GOLDEN_V5],
  [6, GOLDEN_V6],
] as const)('delta format v%s golden vectors', (format, vectors) => {
  const edits = {
    text: (doc: Doc) => {
      const t = doc.getText('body')
      t.insert(0, 'hi')
      t.delete(1, 1)
      t.insert(1, 'o')
    },
    rich: (doc: Doc) => {
      const t = doc.getText('body')
      t.insert(0, 'a\nb\n')
      t.move(2, 2, 0)
      t.format(0, 1, { bold: true })
    },
    containers: (doc: Doc) => {
      doc.transact(() => {
        const m = doc.getMap('m')
        m.set('a', [1, 'x', { y: null }])
        m.setContainer('n', 'counter').increment(3)
        doc.getList('l').push(true, 2.5)
      })
      doc.getMap('m').set('a', 2)
    },
  }

  for (const [name, edit] of Object.entries(edits)) {
    it(`${name}: deltaFormat ${format} writes these bytes, and they make the document that v1-v3 make`, () => {
      const compact = capture(edit, format)
      const golden = vectors[name as keyof typeof vectors]
      expect(compact.slice(0, -1)).toEqual(golden)
      const older = capture(edit, 3)
      expect(older.slice(0, -1).every((d) => d.startsWith('01') || d.startsWith('02') || d.startsWith('03'))).toBe(true)
      // The same edits in either format, and the state after them (states are not written in v4 or v5).
      expect(compact.at(-1)).toBe(older.at(-1))
      const fromCompact = new Doc()
      for (const d of golden) fromCompact.applyDelta(hex(d))
      const fromOlder = new Doc()
      for (const d of older.slice(0, -1)) fromOlder.applyDelta(hex(d))
      expect(fromCompact.toJSON()).toEqual(fromOlder.toJSON())
      expect(fromCompact.encodeState()).toEqual(fromOlder.encodeState())
      // Shorter in total.
      const bytes = (ds: string[]) => ds.reduce((n, d) => n + d.length / 2, 0)
      expect(bytes(golden)).toBeLessThan(bytes(older.slice(0, -1)))
    })
  }
})

describe('delta format v6 wide ids', () => {
  it('a replica id from 2^49 on is 7 bytes, little-endian, under flag 0x80 (8 as a varint)', () => {
    const wide = capture(
      (doc) => {
        const t = doc.getText('body')
        t.insert(0, 'hi')
        t.delete(1, 1)
      },
      6,
      2 ** 52 + 5,
    )
    expect(wide.slice(0, -1)).toEqual(['06fc0500000000001000024804626f64791200006869', '06fc0500000000001002018804626f64790601'])
    const replica = new Doc()
    for (const d of wide.slice(0, -1)) replica.applyDelta(hex(d))
    expect(replica.getText('body').toString()).toBe('h')
    expect(replica.versionVector()).toEqual({ [String(2 ** 52 + 5)]: 3 })
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
