/**
 * Writes into a caller-sized byte array, for encoders that bound their
 * output up front and so check capacity once, not per field. `Writer` is
 * built on these, so both produce the same bytes.
 */

/** Most bytes `putVarUint` writes (2^53 - 1 takes 8 groups of 7 bits). */
export const MAX_VARUINT_BYTES = 8

/** Unsigned LEB128 of `n` (0..2^53-1) at `pos`; returns the position after it. */
export function putVarUint(buf: Uint8Array, pos: number, n: number): number {
  if (n > 0x7fff_ffff) {
    // Past 31 bits (random replica ids): bit operations see the low 32 bits
    // exactly, so the low 28 go out as four groups and one exact division
    // by 2^28 leaves the rest below 2^25.
    buf[pos++] = (n & 0x7f) | 0x80
    buf[pos++] = ((n >>> 7) & 0x7f) | 0x80
    buf[pos++] = ((n >>> 14) & 0x7f) | 0x80
    buf[pos++] = ((n >>> 21) & 0x7f) | 0x80
    n = Math.floor(n / 0x1000_0000)
  }
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  buf[pos++] = n
  return pos
}

/** `n` (0..2^53-1) in 7 bytes, little-endian; returns the position after it. */
export function putUint56(buf: Uint8Array, pos: number, n: number): number {
  const high = Math.floor(n / 0x1_0000_0000)
  buf[pos++] = n & 0xff
  buf[pos++] = (n >>> 8) & 0xff
  buf[pos++] = (n >>> 16) & 0xff
  buf[pos++] = (n >>> 24) & 0xff
  buf[pos++] = high & 0xff
  buf[pos++] = (high >>> 8) & 0xff
  buf[pos++] = high >>> 16
  return pos
}

/** True when every unit of `s` is ASCII, so its UTF-8 is one byte per unit. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/** A length-prefixed ASCII string (the caller checked `isAscii`); returns the position after it. */
export function putAsciiString(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length
  pos = putVarUint(buf, pos, n)
  for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i)
  return pos
}
