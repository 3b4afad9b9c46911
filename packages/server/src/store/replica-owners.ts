import { ReplicaOwnedError } from './store-errors.js'
import type { DotRange, VersionVector } from './store.js'

/**
 * [BIND-1] The replicas an append must bind to `owner`: those whose dots it
 * adds past the doc's head `vv` and that are not bound yet. Throws
 * {@link ReplicaOwnedError} when one it adds to is bound to someone else.
 * Dots the doc already has (a heal's copy of others' edits) are not checked:
 * they change nothing the binding protects.
 */
export function replicasToBind(
  doc: string,
  ranges: readonly DotRange[],
  vv: VersionVector,
  owner: string,
  ownerOf: (replica: number) => string | undefined,
): number[] {
  const bind: number[] = []
  for (const r of ranges) {
    if (r.to <= (vv[r.replica] ?? 0)) continue
    const bound = ownerOf(r.replica)
    if (bound === undefined) bind.push(r.replica)
    else if (bound !== owner) throw new ReplicaOwnedError(doc, r.replica, bound)
  }
  return bind
}
