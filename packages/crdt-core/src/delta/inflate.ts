import { inflateSync } from 'fflate'

type InflateRaw = (data: Uint8Array, options: { maxOutputLength: number }) => Uint8Array

/**
 * Node's zlib where the platform has it: its C++ inflate is about ten times
 * faster than fflate on a cold start, which is what loading a snapshot is.
 * Browsers (no `process`) use fflate. Both read the same raw DEFLATE.
 */
const nativeInflateRaw: InflateRaw | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const zlib = proc?.getBuiltinModule?.('node:zlib') as { inflateRawSync?: InflateRaw } | undefined
  return zlib?.inflateRawSync
})()

/**
 * Inflates raw DEFLATE that claims to hold `rawLength` bytes. Stops one byte
 * past the claim (so a bomb cannot run away) and returns what it got; the
 * caller compares the length. Throws on corrupt input.
 */
export function inflateRaw(packed: Uint8Array, rawLength: number): Uint8Array {
  if (nativeInflateRaw !== undefined) {
    try {
      return nativeInflateRaw(packed, { maxOutputLength: rawLength + 1 })
    } catch (e) {
      // Past the limit: report one byte too many, as fflate's bounded buffer would.
      if (e instanceof RangeError) return new Uint8Array(rawLength + 1)
      throw e
    }
  }
  return inflateSync(packed, { out: new Uint8Array(rawLength + 1) })
}
