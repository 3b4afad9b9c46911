import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { WeftDecodeError } from '../errors.js'
import { Reader } from './reader.js'
import { Writer } from './writer.js'

describe('encoding primitives', () => {
  it('round-trips varuints, varints, strings, bytes and floats', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ k: fc.constant('u' as const), v: fc.maxSafeNat() }),
            fc.record({ k: fc.constant('i' as const), v: fc.integer({ min: -(2 ** 52), max: 2 ** 52 - 1 }) }),
            fc.record({ k: fc.constant('s' as const), v: fc.string({ unit: 'binary' }) }),
            fc.record({ k: fc.constant('b' as const), v: fc.uint8Array() }),
            fc.record({ k: fc.constant('f' as const), v: fc.double() }),
            fc.record({ k: fc.constant('w' as const), v: fc.maxSafeNat() }),
          ),
        ),
        (items) => {
          const w = new Writer(1)
          for (const it of items) {
            if (it.k === 'u') w.writeVarUint(it.v)
            else if (it.k === 'i') w.writeVarInt(it.v)
            else if (it.k === 's') w.writeString(it.v)
            else if (it.k === 'b') w.writeBytes(it.v)
            else if (it.k === 'f') w.writeFloat64(it.v)
            else w.writeUint53(it.v)
          }
          const r = new Reader(w.finish())
          for (const it of items) {
            if (it.k === 'u') expect(r.readVarUint()).toBe(it.v)
            else if (it.k === 'i') expect(r.readVarInt()).toBe(it.v)
            else if (it.k === 's') expect(r.readString()).toBe(it.v)
            else if (it.k === 'b') expect(r.readBytes()).toEqual(it.v)
            else if (it.k === 'f') expect(Object.is(r.readFloat64(), it.v)).toBe(true)
            else expect(r.readUint53()).toBe(it.v)
          }
          r.end()
        },
      ),
    )
  })

  it('golden bytes: varuint layout is LEB128', () => {
    const w = new Writer()
    w.writeVarUint(0)
    w.writeVarUint(127)
    w.writeVarUint(128)
    w.writeVarUint(300)
    w.writeVarUint(2 ** 53 - 1)
    expect([...w.finish()]).toEqual([0, 127, 0x80, 1, 0xac, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f])
  })

  it('rejects varints above 2^53 and longer than 8 bytes', () => {
    expect(() => new Reader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])).readVarUint()).toThrow(WeftDecodeError)
    expect(() => new Reader(new Uint8Array(9).fill(0x80)).readVarUint()).toThrow(WeftDecodeError)
  })

  it('rejects counts the input cannot hold, before allocating', () => {
    const w = new Writer()
    w.writeVarUint(2 ** 53 - 1)
    expect(() => new Reader(w.finish()).readCount()).toThrow(/count .* exceeds/)
  })

  it('rejects truncated strings and invalid UTF-8', () => {
    expect(() => new Reader(new Uint8Array([5, 65])).readString()).toThrow(WeftDecodeError)
    expect(() => new Reader(new Uint8Array([70, ...new Array(70).fill(0xff)])).readString()).toThrow(/UTF-8/)
  })
})

describe('strings with lone surrogates (WTF-8)', () => {
  const utf16 = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((units) => String.fromCharCode(...units))

  it('round-trips any sequence of UTF-16 units, lone surrogates included', () => {
    fc.assert(
      fc.property(utf16, (s) => {
        const w = new Writer()
        w.writeString(s)
        expect(new Reader(w.finish()).readString()).toBe(s)
      }),
    )
  })

  it('still writes well-formed text as plain UTF-8', () => {
    const w = new Writer()
    w.writeString('é🙂')
    expect([...w.finish()]).toEqual([6, 0xc3, 0xa9, 0xf0, 0x9f, 0x99, 0x82])
  })

  it('rejects overlong and out-of-range sequences', () => {
    for (const bad of [
      [2, 0xc0, 0x80],
      [3, 0xe0, 0x80, 0x80],
      [4, 0xf4, 0x90, 0x80, 0x80],
      [1, 0xff],
    ]) {
      expect(() => new Reader(Uint8Array.from(bad)).readString()).toThrow(WeftDecodeError)
    }
  })
})

describe('varint bounds', () => {
  it('zig-zag covers -(2^52) .. 2^52 - 1 exactly', () => {
    for (const n of [-(2 ** 52), 2 ** 52 - 1, 0, -1]) {
      const w = new Writer()
      w.writeVarInt(n)
      expect(new Reader(w.finish()).readVarInt()).toBe(n)
    }
    const w = new Writer()
    w.writeVarInt(2 ** 52) // zig-zags to 2^53: the reader refuses it
    expect(() => new Reader(w.finish()).readVarInt()).toThrow(WeftDecodeError)
  })
})

describe('varints across the 28-bit split of the reader', () => {
  it('round-trips every width, rejects 2^53 and more than 8 bytes, and reports truncation', () => {
    for (let bits = 0; bits <= 53; bits++) {
      for (const n of [2 ** bits - 1, Math.max(0, 2 ** bits - 2), bits < 53 ? 2 ** bits : 0]) {
        const w = new Writer()
        w.writeVarUint(n)
        const r = new Reader(w.finish())
        expect(r.readVarUint()).toBe(n)
        expect(r.done).toBe(true)
      }
    }
    // 2^53 written by hand (the writer refuses nothing, the reader must).
    const twoTo53 = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]
    expect(() => new Reader(Uint8Array.from(twoTo53)).readVarUint()).toThrow(expect.objectContaining({ code: 'bad-varint' }))
    expect(() => new Reader(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).readVarUint()).toThrow(
      expect.objectContaining({ code: 'bad-varint' }),
    )
    for (const cut of [[0x80], [0xff, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
      expect(() => new Reader(Uint8Array.from(cut)).readVarUint()).toThrow(expect.objectContaining({ code: 'truncated' }))
    }
  })
})

describe('readStringIfSame', () => {
  const encoded = (s: string): Reader => {
    const w = new Writer()
    w.writeString(s)
    w.writeUint8(9)
    return new Reader(w.finish())
  }

  it('hands back the expected string itself and moves past it when the bytes spell it', () => {
    const expected = 'text'
    const r = encoded('text')
    expect(r.readStringIfSame(expected)).toBe(expected)
    expect(r.readUint8()).toBe(9)
    expect(encoded('').readStringIfSame('')).toBe('')
  })

  it('returns undefined and leaves the position alone for anything else', () => {
    for (const [s, expected] of [
      ['texts', 'text'],
      ['tex', 'text'],
      ['Text', 'text'],
      ['é', 'é'],
      ['', 'a'],
    ] as const) {
      const r = encoded(s)
      expect(r.readStringIfSame(expected)).toBeUndefined()
      expect(r.readString()).toBe(s)
    }
    expect(new Reader(Uint8Array.from([4, 0x74])).readStringIfSame('text')).toBeUndefined()
  })
})
