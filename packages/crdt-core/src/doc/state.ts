import type { Container } from '../containers/container.js'
import type { IdRange } from '../sequence/sequence.js'
import type { VersionVector } from '../version-vector.js'

/** A delete operation remembered so it can be sent to peers that lack it. */
export interface DeleteLogEntry {
  container: Container
  replica: number
  counter: number
  ranges: IdRange[]
}

/** The replicated state of a document, shared by the doc and its apply/encode modules. */
export class DocState {
  /** Highest counter seen per replica (the causal context). */
  readonly vv = new Map<number, number>()
  lamport = 0
  /** Containers by `containerKey`. */
  readonly containers = new Map<string, Container>()
  /** Every delete with its dot, since `historyBase`. */
  readonly deleteLog: DeleteLogEntry[] = []
  /**
   * Deletes covered by this vector may be missing from `deleteLog` (they came
   * in a state, whose history is folded). A peer whose vector covers it gets
   * exact deletes; any other peer gets every tombstone.
   */
  historyBase: VersionVector = {}
  /**
   * Other replicas' progress since this replica's last local transaction:
   * the next local delta depends on these (its own previous dot implies the rest).
   */
  readonly dirtyDeps = new Map<number, number>()

  counterOf(replica: number): number {
    return this.vv.get(replica) ?? 0
  }

  versionVector(): VersionVector {
    const out: VersionVector = {}
    for (const [r, c] of this.vv) if (c > 0) out[r] = c
    return out
  }
}
