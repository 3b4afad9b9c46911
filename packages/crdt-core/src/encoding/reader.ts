import { WeftDecodeError } from '../errors.js'
import { MAX_STRING_BYTES } from '../limits.js'

/**
 * Bounds-checked byte reader, the mirror of `Writer`. Every read validates
 * before it returns, so a decoder built from these never reads past the input
 * and never allocates more than the input could describe.
 */

// ignoreBOM: a string that starts with U+FEFF keeps it (the default strips it).
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const TWO_32 = 0x1_0000_0000

export class Reader {
  pos = 0
  constructor(readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.pos
  }

  get done(): boolean {
    return this.pos >= this.buf.length
  }

  readUint8(): number {
    if (this.pos >= this.buf.length) throw new WeftDecodeError('truncated', 'unexpected end of input')
    return this.buf[this.pos++]!
  }

  readVarUint(): number {
    // Most varints in a delta (table references, counts, lengths) are one byte.
    const pos = this.pos
    if (pos < this.buf.length) {
      const b = this.buf[pos]!
      if (b < 0x80) {
        this.pos = pos + 1
        return b
      }
    }
    return this.readLongVarUint()
  }

  /**
   * Two or more bytes: the first four groups (28 bits) with integer
   * operations, the rest (random 53-bit replica ids) as a second 28-bit
   * part scaled by 2^28, rather than a float multiply per byte.
   */
  private readLongVarUint(): number {
    const buf = this.buf
    const end = buf.length
    let pos = this.pos
    // Two and three bytes (counters below 2^21) without the loop.
    if (pos + 2 < end) {
      const b0 = buf[pos]!
      const b1 = buf[pos + 1]!
      if (b1 < 0x80) {
        this.pos = pos + 2
        return (b0 & 0x7f) | (b1 << 7)
      }
      const b2 = buf[pos + 2]!
      if (b2 < 0x80) {
        this.pos = pos + 3
        return (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14)
      }
    }
    let low = 0
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new WeftDecodeError('truncated', 'unexpected end of input in varint')
      const b = buf[pos++]!
      low |= (b & 0x7f) << shift
      if (b < 0x80) {
        this.pos = pos
        return low
      }
    }
    let high = 0
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new WeftDecodeError('truncated', 'unexpected end of input in varint')
      const b = buf[pos++]!
      high |= (b & 0x7f) << shift
      if (b < 0x80) {
        // Exact below 2^53; anything above it stays above it when rounded.
        const result = high * 0x1000_0000 + low
        if (result > Number.MAX_SAFE_INTEGER) throw new WeftDecodeError('bad-varint', 'varint above 2^53 - 1')
        this.pos = pos
        return result
      }
    }
    throw new WeftDecodeError('bad-varint', 'varint longer than 8 bytes')
  }

  readVarInt(): number {
    const z = this.readVarUint()
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2
  }

  readFloat64(): number {
    this.need(8)
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true)
    this.pos += 8
    return v
  }

  /** 7 bytes, little-endian, as `Writer.writeUint56` writes them; past 2^53 - 1 is refused. */
  readUint56(): number {
    this.need(7)
    const b = this.buf
    const p = this.pos
    if (b[p + 6]! > 0x1f) throw new WeftDecodeError('out-of-range', 'a 7-byte integer past 2^53 - 1')
    this.pos = p + 7
    const low = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x100_0000
    return low + (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16)) * 0x1_0000_0000
  }

  /** The next byte, without moving past it. */
  peekUint8(): number {
    if (this.pos >= this.buf.length) throw new WeftDecodeError('truncated', 'unexpected end of input')
    return this.buf[this.pos]!
  }

  /** `len` bytes of ASCII with no length prefix (the caller knows it); a byte past 0x7f is refused. */
  readAscii(len: number): string {
    this.need(len)
    const buf = this.buf
    const start = this.pos
    for (let i = start; i < start + len; i++) {
      if (buf[i]! > 0x7f) throw new WeftDecodeError('invalid', `byte ${buf[i]} in an ASCII string`)
    }
    this.pos += len
    if (len < 64) {
      let s = ''
      for (let i = start; i < start + len; i++) s += String.fromCharCode(buf[i]!)
      return s
    }
    return textDecoder.decode(buf.subarray(start, start + len))
  }

  /**
   * A count of items that each take at least `minBytesPerItem` bytes of the
   * remaining input: rejects counts the input cannot hold before anything is
   * allocated for them.
   */
  readCount(minBytesPerItem = 1): number {
    const n = this.readVarUint()
    if (n * minBytesPerItem > this.remaining) {
      throw new WeftDecodeError('out-of-range', `count ${n} exceeds what ${this.remaining} remaining bytes can hold`)
    }
    return n
  }

  readRaw(len: number): Uint8Array {
    this.need(len)
    const out = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }

  readBytes(): Uint8Array {
    return this.readRaw(this.readVarUint())
  }

  /**
   * A length-prefixed string of at most `maxBytes` UTF-8 bytes; the bound is
   * checked before anything is decoded or allocated.
   */
  readString(maxBytes: number = MAX_STRING_BYTES): string {
    const len = this.readVarUint()
    if (len > maxBytes) throw new WeftDecodeError('too-large', `string of ${len} bytes, over the ${maxBytes}-byte limit`)
    this.need(len)
    const buf = this.buf
    const start = this.pos
    if (len < 64) {
      // ASCII fast path, mirrors Writer.writeString.
      let s = ''
      let ascii = true
      for (let i = 0; i < len; i++) {
        const c = buf[start + i]!
        if (c > 0x7f) {
          ascii = false
          break
        }
        s += String.fromCharCode(c)
      }
      if (ascii) {
        this.pos += len
        return s
      }
    }
    this.pos += len
    const bytes = buf.subarray(start, start + len)
    try {
      return textDecoder.decode(bytes)
    } catch (e) {
      // Not UTF-8 (a TypeError): maybe WTF-8 carrying a lone surrogate (see
      // encodeWtf8). Anything else (out of memory) is not a format question.
      if (!(e instanceof TypeError)) throw e
      return decodeWtf8(bytes)
    }
  }

  /**
   * Returns `expected` and moves past the string when the next string is
   * exactly it (ASCII only); otherwise returns undefined and moves nowhere.
   * Lets a decoder reuse a string it has seen instead of allocating another.
   */
  readStringIfSame(expected: string): string | undefined {
    const start = this.pos
    const buf = this.buf
    const n = expected.length
    if (n > 0x7f || start >= buf.length || buf[start] !== n || start + 1 + n > buf.length) return undefined
    for (let i = 0; i < n; i++) {
      const c = expected.charCodeAt(i)
      if (c > 0x7f || buf[start + 1 + i] !== c) return undefined
    }
    this.pos = start + 1 + n
    return expected
  }

  readUint53(): number {
    this.need(8)
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8)
    const lo = dv.getUint32(0, true)
    const hi = dv.getUint32(4, true)
    this.pos += 8
    if (hi > 0x1fffff) throw new WeftDecodeError('out-of-range', 'integer above 2^53 - 1')
    return hi * TWO_32 + lo
  }

  /** Throws unless the whole input was consumed. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new WeftDecodeError('trailing-bytes', `${this.buf.length - this.pos} unexpected bytes after the end`)
    }
  }

  private need(len: number): void {
    if (len > this.buf.length - this.pos) {
      throw new WeftDecodeError('truncated', `need ${len} bytes, ${this.buf.length - this.pos} left`)
    }
  }
}

/**
 * Strict WTF-8: like UTF-8 (no overlong forms, nothing above U+10FFFF) but
 * surrogates may appear as 3-byte sequences. Anything else is rejected.
 */
export function decodeWtf8(bytes: Uint8Array): string {
  const bad = (): never => {
    throw new WeftDecodeError('invalid', 'string is not valid UTF-8')
  }
  // Units go out in chunks: one array of every unit of a long string was
  // what turned a bad 600 MB key into a 600 M-entry array.
  const units: number[] = []
  const parts: string[] = []
  let i = 0
  const cont = (): number => {
    const b = bytes[i++]
    if (b === undefined || (b & 0xc0) !== 0x80) bad()
    return b! & 0x3f
  }
  while (i < bytes.length) {
    const b = bytes[i++]!
    let c: number
    if (b < 0x80) c = b
    else if (b >= 0xc2 && b < 0xe0) c = ((b & 0x1f) << 6) | cont()
    else if (b >= 0xe0 && b < 0xf0) {
      c = ((b & 0x0f) << 12) | (cont() << 6) | cont()
      if (c < 0x800) bad()
    } else if (b >= 0xf0 && b < 0xf5) {
      c = ((b & 0x07) << 18) | (cont() << 12) | (cont() << 6) | cont()
      if (c < 0x10000 || c > 0x10ffff) bad()
    } else return bad()
    if (c >= 0x10000) units.push(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff))
    else units.push(c)
    if (units.length >= 4096) {
      parts.push(String.fromCharCode(...units))
      units.length = 0
    }
  }
  parts.push(String.fromCharCode(...units))
  return parts.join('')
}
