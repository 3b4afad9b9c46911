import { vvCovers, vvMerge } from '@weft/crdt-core'
import type { DotRange, VersionVector } from './store.js'

/** Version vector join and order come from crdt-core (one definition of the causal context). */
export { vvMerge as mergeVersionVectors, vvCovers as coversVersionVector }

/** Raises `vv` in place to cover the top of every range; returns it. */
export function mergeRanges(vv: VersionVector, ranges: readonly DotRange[]): VersionVector {
  for (const r of ranges) {
    if ((vv[r.replica] ?? 0) < r.to) vv[r.replica] = r.to
  }
  return vv
}

/** True when a delta with these ranges carries a dot the holder of `vv` lacks. */
export function rangesExceed(ranges: readonly DotRange[], vv: VersionVector): boolean {
  return ranges.some((r) => r.to > (vv[r.replica] ?? 0))
}

/** Validates caller input before it reaches storage: non-negative safe integers, `from <= to`. */
export function assertValidRanges(ranges: readonly DotRange[]): void {
  for (const r of ranges) {
    const ok = Number.isSafeInteger(r.replica) && r.replica > 0 && Number.isSafeInteger(r.from) && r.from >= 0 && Number.isSafeInteger(r.to) && r.to >= r.from
    if (!ok) throw new RangeError(`invalid dot range ${JSON.stringify(r)}`)
  }
}

/** Compact text form used by the SQLite store: `[[replica, from, to], ...]`. */
export function rangesToJson(ranges: readonly DotRange[]): string {
  return JSON.stringify(ranges.map((r) => [r.replica, r.from, r.to]))
}

export function rangesFromJson(text: string): DotRange[] {
  const rows = JSON.parse(text) as [number, number, number][]
  return rows.map(([replica, from, to]) => ({ replica, from, to }))
}

export function vvToJson(vv: VersionVector): string {
  return JSON.stringify(vv)
}

export function vvFromJson(text: string): VersionVector {
  return vvFromRecord(JSON.parse(text) as Record<string, number>)
}

/** A version vector from an object keyed by replica ids as strings (JSON, or a database's JSON aggregate). */
export function vvFromRecord(raw: Record<string, number>): VersionVector {
  const out: VersionVector = {}
  for (const [k, v] of Object.entries(raw)) out[Number(k)] = v
  return out
}
