import { decodeDelta } from '../delta/codec.js'
import { WeftDecodeError } from '../errors.js'

/** Bytes from hex, spaces allowed (test vectors are written field by field). */
export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'))
}

/** What decoding the delta `bytes` (hex) is refused with, as `code: message`, or 'decoded'. */
export function decodeRefusal(bytes: string): string {
  try {
    decodeDelta(hex(bytes))
  } catch (e) {
    if (e instanceof WeftDecodeError) return `${e.code}: ${e.message}`
    throw e
  }
  return 'decoded'
}
