/**
 * Growable byte writer. Every `write*` here has a matching `read*` in
 * `reader.ts`; codecs are composed from these primitives only.
 */

import { MAX_VARUINT_BYTES, isAscii, putAsciiString, putUint56, putVarUint } from './raw.js'

const textEncoder = new TextEncoder()
const TWO_32 = 0x1_0000_0000

/**
 * WTF-8: UTF-8 that also carries lone surrogates (as 3-byte sequences).
 * Text positions count UTF-16 units, so a delete can split a surrogate pair;
 * the half left behind must reach every replica as it is, or they diverge.
 */
export function encodeWtf8(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3)
  let n = 0
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
      }
    }
    if (c < 0x80) out[n++] = c
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6)
      out[n++] = 0x80 | (c & 0x3f)
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12)
      out[n++] = 0x80 | ((c >> 6) & 0x3f)
      out[n++] = 0x80 | (c & 0x3f)
    } else {
      out[n++] = 0xf0 | (c >> 18)
      out[n++] = 0x80 | ((c >> 12) & 0x3f)
      out[n++] = 0x80 | ((c >> 6) & 0x3f)
      out[n++] = 0x80 | (c & 0x3f)
    }
  }
  return out.subarray(0, n)
}

export class Writer {
  private buf: Uint8Array
  private pos = 0

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(initialCapacity)
  }

  get length(): number {
    return this.pos
  }

  private ensure(extra: number): void {
    const need = this.pos + extra
    if (need <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < need) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }

  /** Empties the writer, keeping its buffer for reuse. */
  reset(): void {
    this.pos = 0
  }

  writeUint8(n: number): void {
    this.ensure(1)
    this.buf[this.pos++] = n & 0xff
  }

  /** Overwrites a byte already written (a header flag known only later). */
  patchUint8(at: number, n: number): void {
    if (at >= this.pos) throw new RangeError(`patchUint8 at ${at}, past the ${this.pos} bytes written`)
    this.buf[at] = n & 0xff
  }

  /** An ASCII string's bytes, no length (the reader knows it; the caller checked `isAscii`). */
  writeAscii(s: string): void {
    const n = s.length
    this.ensure(n)
    const buf = this.buf
    let pos = this.pos
    for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i)
    this.pos = pos
  }

  /** Unsigned LEB128 for integers 0..2^53-1 (at most 8 bytes). */
  writeVarUint(n: number): void {
    this.ensure(MAX_VARUINT_BYTES)
    this.pos = putVarUint(this.buf, this.pos, n)
  }

  /** 0..2^53-1 in 7 bytes, little-endian (a random 53-bit id takes 8 as a varint). */
  writeUint56(n: number): void {
    this.ensure(7)
    this.pos = putUint56(this.buf, this.pos, n)
  }

  /** Zig-zag signed varint for integers in -(2^52) .. 2^52 - 1 (zig-zag doubles them; 2^53 is not safe). */
  writeVarInt(n: number): void {
    this.writeVarUint(n >= 0 ? n * 2 : -n * 2 - 1)
  }

  writeFloat64(n: number): void {
    this.ensure(8)
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).setFloat64(0, n, true)
    this.pos += 8
  }

  /** Raw bytes, no length prefix. */
  writeRaw(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /** Length-prefixed bytes. */
  writeBytes(bytes: Uint8Array): void {
    this.writeVarUint(bytes.length)
    this.writeRaw(bytes)
  }

  /** Length-prefixed UTF-8. */
  writeString(s: string): void {
    // ASCII fast path: most keys and typed text are ASCII, and TextEncoder
    // has a fixed per-call cost that dominates for short strings.
    if (s.length < 64 && isAscii(s)) {
      this.ensure(s.length + 1)
      this.pos = putAsciiString(this.buf, this.pos, s)
      return
    }
    // isWellFormed is native where available (Node 20, current browsers); without it, always WTF-8.
    this.writeBytes(typeof s.isWellFormed === 'function' && s.isWellFormed() ? textEncoder.encode(s) : encodeWtf8(s))
  }

  /** 53-bit unsigned integer as two fixed 32-bit halves (for ids where varints would not help). */
  writeUint53(n: number): void {
    const hi = Math.floor(n / TWO_32)
    this.ensure(8)
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8)
    dv.setUint32(0, n >>> 0, true)
    dv.setUint32(4, hi, true)
    this.pos += 8
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos)
  }
}
