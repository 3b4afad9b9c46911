/**
 * Index of the last entry of `sorted[lo..hi]` (ascending) that is at most
 * `x`, or -1 when every entry is larger.
 */
export function lastAtMost(sorted: Float64Array, x: number, lo = 0, hi = sorted.length - 1): number {
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= x) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}
