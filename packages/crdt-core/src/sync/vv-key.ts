import type { VersionVector } from '../version-vector.js'

/** A canonical string of a version vector, to compare vectors cheaply. */
export function vvKey(vv: VersionVector): string {
  return Object.keys(vv)
    .map(Number)
    .filter((r) => (vv[r] ?? 0) > 0)
    .sort((a, b) => a - b)
    .map((r) => `${r}:${vv[r]}`)
    .join(',')
}
