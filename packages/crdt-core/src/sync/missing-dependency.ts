import type { DeltaInfo } from '../delta/inspect.js'

/**
 * [CAUSAL-1] What a delta needs that a replica lacks, in words, or undefined
 * when it applies at once: each range must start at or below what the replica
 * holds of its replica (`counterOf`; counters are dense), and every dependency
 * must be covered. A state (`isState`) starts every range at 0 and has no deps.
 * Looked up per entry, so the cost does not grow with the replicas a doc has seen.
 */
export function missingDependency(info: DeltaInfo, counterOf: (replica: number) => number): string | undefined {
  for (const r of info.ranges) {
    const have = counterOf(r.replica)
    if (have < r.from) return `the delta starts at counter ${r.from + 1} of replica ${r.replica}, the server has ${have}`
  }
  if (info.isState) return undefined
  for (const [replica, counter] of Object.entries(info.deps)) {
    const have = counterOf(Number(replica))
    if (have < counter) return `the delta depends on counter ${counter} of replica ${replica}, the server has ${have}`
  }
  return undefined
}
