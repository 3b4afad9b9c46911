import { Inflate, deflateSync } from 'fflate'

/**
 * Raw DEFLATE for states. Node's zlib where the platform has it: its C++
 * code is ten to thirty times faster than fflate on a cold start, which is
 * what encoding or loading one snapshot is. Browsers (no `process`) use
 * fflate, a sync pure-JS deflate (the platform's CompressionStream is
 * async). Both read what either wrote; their compressed bytes differ, which
 * nothing compares (digests hash the content).
 */
interface NodeZlib {
  inflateRawSync(data: Uint8Array, options: { maxOutputLength: number; chunkSize: number }): Uint8Array
  deflateRawSync(data: Uint8Array, options: { level: number }): Uint8Array
}

const zlib: NodeZlib | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return proc?.getBuiltinModule?.('node:zlib') as NodeZlib | undefined
})()

const LEVEL = 6
/** Largest output chunk allocated up front: a state claiming more (or a bomb) grows in steps. */
const CHUNK_LIMIT = 1 << 24

export function deflateRaw(raw: Uint8Array): Uint8Array {
  return zlib !== undefined ? zlib.deflateRawSync(raw, { level: LEVEL }) : deflateSync(raw, { level: LEVEL })
}

/**
 * Inflates raw DEFLATE that claims to hold `rawLength` bytes (which the
 * caller bounded). Stops one byte past the claim while it runs (so a bomb
 * cannot run away) and returns what it got; the caller compares the length.
 * Throws on corrupt input.
 */
export function inflateRaw(packed: Uint8Array, rawLength: number): Uint8Array {
  if (zlib !== undefined) {
    try {
      // One output chunk for the whole state (up to 16 MiB) spares zlib's
      // 16 KiB steps and the copy that joins them: about 0.4 ms of a 200 KB load.
      return zlib.inflateRawSync(packed, { maxOutputLength: rawLength + 1, chunkSize: Math.max(64, Math.min(rawLength + 1, CHUNK_LIMIT)) })
    } catch (e) {
      // Past the limit: report one byte too many, as fflate's bounded buffer would.
      if (e instanceof RangeError) return new Uint8Array(rawLength + 1)
      throw e
    }
  }
  return inflateStreaming(packed, rawLength + 1)
}

/** Input fed to fflate per step: at most ~1032 times this comes out before the running count is checked. */
const STEP_BYTES = 16 * 1024

/**
 * fflate's streaming inflate with a running count of the output: stops
 * (returning `limit` bytes) as soon as the output reaches `limit`, rather
 * than allocating for a claim or inflating a bomb whole first.
 */
export function inflateStreaming(packed: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit)
  let filled = 0
  const inflate = new Inflate((chunk) => {
    const take = Math.min(chunk.length, limit - filled)
    out.set(take === chunk.length ? chunk : chunk.subarray(0, take), filled)
    filled += take
  })
  for (let at = 0; at < packed.length && filled < limit; at += STEP_BYTES) {
    const end = Math.min(at + STEP_BYTES, packed.length)
    inflate.push(packed.subarray(at, end), end === packed.length)
  }
  return filled === limit ? out : out.subarray(0, filled)
}
