/** `writeSnapshot` was fenced: the doc's lease is no longer the one the writer holds. Nothing was written. */
export class FencedError extends Error {
  override readonly name = 'FencedError'
  readonly code = 'fenced'

  /** The message names the doc, the lease the writer held and the doc's current lease. */
  static of(doc: string, held: { holder: string; epoch: number }, current: { holder: string | null | undefined; epoch: number }): FencedError {
    return new FencedError(
      `snapshot of ${doc} fenced: written under lease ${held.holder}@${held.epoch}, the lease is now ${current.holder ?? 'nobody'}@${current.epoch}`,
    )
  }
}

/** `writeSnapshot` was older than the stored snapshot (another compaction got there first). Nothing was written. */
export class StaleSnapshotError extends Error {
  override readonly name = 'StaleSnapshotError'
  readonly code = 'stale-snapshot'

  static of(doc: string, seq: number, stored: number): StaleSnapshotError {
    return new StaleSnapshotError(`snapshot of ${doc} at seq ${seq} is older than the stored one (seq ${stored})`)
  }
}

/**
 * `append` was refused: it adds dots of a replica that is bound to another
 * principal ([BIND-1]). Nothing was written. The message names the replica,
 * never the owner (it goes back to the writer); `owner` is for the logs.
 */
export class ReplicaOwnedError extends Error {
  override readonly name = 'ReplicaOwnedError'
  readonly code = 'replica-owned'

  constructor(
    readonly doc: string,
    readonly replica: number,
    readonly owner: string,
  ) {
    super(`replica ${replica} of ${doc} is bound to another principal`)
  }
}

/** Guard for {@link ReplicaOwnedError}; also matches one rebuilt from a worker's answer (by name). */
export function isReplicaOwnedError(e: unknown): e is ReplicaOwnedError {
  return e instanceof ReplicaOwnedError
}
