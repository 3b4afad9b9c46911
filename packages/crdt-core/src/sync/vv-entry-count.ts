import { Reader } from '../encoding/index.js'

/** Message tags whose version vector follows the doc id directly (see codec.ts): subscribe, digest. */
const VV_AFTER_DOC = new Set([16, 21])

/**
 * [LIM-2] How many entries the version vector of a `subscribe` or `digest`
 * frame claims, read from its header without decoding it; undefined for other
 * frames or when the header does not parse (`decodeMessage` then says why).
 * Either protocol ([WIRE-1]).
 * Decoding a vector costs microseconds per entry, so the server refuses an
 * oversized one before paying for it.
 */
export function versionVectorEntryCount(frame: Uint8Array): number | undefined {
  if (frame.length < 3 || !VV_AFTER_DOC.has(frame[1]!)) return undefined
  try {
    const r = new Reader(frame)
    const version = r.readUint8()
    r.readUint8()
    // [WIRE-1] protocol 2 names the doc by reference, or 0 and the id.
    if (version === 1 || r.readVarUint() === 0) r.readRaw(r.readVarUint())
    return r.readVarUint()
  } catch {
    return undefined
  }
}
