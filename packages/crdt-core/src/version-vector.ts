import { WeftDecodeError } from './errors.js'
import { Reader, Writer } from './encoding/index.js'

/**
 * A version vector: for each replica, the highest counter seen. Weft applies
 * deltas in causal order, so what a replica has seen is always exactly
 * "every dot up to vv[replica]" and the vector alone is the causal context.
 */
export type VersionVector = Record<number, number>

const VV_FORMAT = 1

/** True when `a` has seen everything `b` has (a >= b componentwise). */
export function vvCovers(a: VersionVector, b: VersionVector): boolean {
  for (const key in b) {
    const need = b[key]!
    if (need > 0 && (a[key] ?? 0) < need) return false
  }
  return true
}

/** Componentwise maximum. */
export function vvMerge(a: VersionVector, b: VersionVector): VersionVector {
  const out: VersionVector = { ...a }
  for (const key in b) {
    const v = b[key]!
    if (v > (out[key] ?? 0)) out[key] = v
  }
  return out
}

/** Equal when both have seen exactly the same dots (zero entries are ignored). */
export function vvEquals(a: VersionVector, b: VersionVector): boolean {
  return vvCovers(a, b) && vvCovers(b, a)
}

export function writeVersionVector(w: Writer, vv: VersionVector): void {
  const entries = Object.entries(vv).filter(([, c]) => c > 0)
  // Sorted so equal vectors encode to equal bytes.
  entries.sort((x, y) => Number(x[0]) - Number(y[0]))
  w.writeVarUint(entries.length)
  for (const [replica, counter] of entries) {
    w.writeVarUint(Number(replica))
    w.writeVarUint(counter)
  }
}

export function readVersionVector(r: Reader): VersionVector {
  const n = r.readCount(2)
  const vv: VersionVector = {}
  for (let i = 0; i < n; i++) {
    const replica = r.readVarUint()
    const counter = r.readVarUint()
    if (replica === 0) throw new WeftDecodeError('invalid', 'replica id 0 in a version vector')
    if (vv[replica] !== undefined) throw new WeftDecodeError('invalid', `replica ${replica} appears twice in a version vector`)
    if (counter > 0) vv[replica] = counter
  }
  return vv
}

/** Encodes a version vector on its own (format byte first). */
export function encodeVersionVector(vv: VersionVector): Uint8Array {
  const w = new Writer(16)
  w.writeUint8(VV_FORMAT)
  writeVersionVector(w, vv)
  return w.finish()
}

/** Decodes `encodeVersionVector` output; throws `WeftDecodeError` on bad input. */
export function decodeVersionVector(bytes: Uint8Array): VersionVector {
  const r = new Reader(bytes)
  const version = r.readUint8()
  if (version !== VV_FORMAT) throw new WeftDecodeError('bad-version', `unknown version vector format ${version}`)
  const vv = readVersionVector(r)
  r.end()
  return vv
}
