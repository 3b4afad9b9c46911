import type { DeltaInfo } from '../delta/inspect.js'
import type { VersionVector } from '../version-vector.js'

/**
 * [CAUSAL-1] What a delta needs that a replica at `has` lacks, in words, or
 * undefined when it applies at once: each range must start at or below what
 * `has` holds of its replica (counters are dense), and every dependency must
 * be covered. A state (`isState`) starts every range at 0 and has no deps.
 */
export function missingDependency(info: DeltaInfo, has: VersionVector): string | undefined {
  for (const r of info.ranges) {
    const have = has[r.replica] ?? 0
    if (have < r.from) return `the delta starts at counter ${r.from + 1} of replica ${r.replica}, the server has ${have}`
  }
  if (info.isState) return undefined
  for (const [replica, counter] of Object.entries(info.deps)) {
    const have = has[Number(replica)] ?? 0
    if (have < counter) return `the delta depends on counter ${counter} of replica ${replica}, the server has ${have}`
  }
  return undefined
}
