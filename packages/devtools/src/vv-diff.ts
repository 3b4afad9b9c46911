import type { VersionVector } from '@weft/crdt-core'

/** A replica's counters in (from, to]. */
export interface DotSpan {
  readonly replica: number
  readonly from: number
  readonly to: number
}

/** The dots `after` has that `before` lacks, per replica (what a change brought in). */
export function vvDiff(before: VersionVector, after: VersionVector): DotSpan[] {
  const out: DotSpan[] = []
  for (const [key, to] of Object.entries(after)) {
    const replica = Number(key)
    const from = before[replica] ?? 0
    if (to > from) out.push({ replica, from, to })
  }
  return out
}
