import type { LocalReplica } from '../persistence/local-replica.js'

/**
 * Saving without a server: nothing will ever ack the stored outbox, so it is
 * trimmed once deltas are written (LocalReplica merges the trims of a
 * burst into one write), keeping storage proportional to the doc. Seqs come from the block
 * the load claimed, as a session's would ([CLIENT-OUT-2]).
 */
export class LocalOnlySaver {
  private base: number | undefined
  private lastSeq = 0
  private written = 0
  private early: Uint8Array[] = []

  constructor(private readonly local: LocalReplica) {}

  /** The stored doc is loaded and `base` claimed: write what came before. */
  start(base: number): void {
    this.base = this.lastSeq = this.written = base
    for (const bytes of this.early.splice(0)) this.save(bytes)
  }

  /** Local deltas waiting for the load. */
  get waiting(): number {
    return this.early.length
  }

  save(bytes: Uint8Array): void {
    if (this.base === undefined) {
      this.early.push(bytes)
      return
    }
    const seq = ++this.lastSeq
    this.local.saveLocal(seq, bytes).then(
      () => {
        this.written = Math.max(this.written, seq)
        this.trim()
      },
      // Only a closed queue rejects: nothing is left to trim.
      () => undefined,
    )
  }

  private trim(): void {
    if (this.base === undefined) return
    this.local.ackOutbox(this.base, this.written).catch(
      // Only a closed queue rejects: the rows stay, and are trimmed by the next session's acks.
      () => undefined,
    )
  }
}
