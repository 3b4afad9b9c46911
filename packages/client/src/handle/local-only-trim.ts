import type { LocalReplica } from '../persistence/local-replica.js'

/**
 * Saving without a server: nothing will ever ack the stored outbox, so it is
 * trimmed as soon as deltas are written (one trim at a time, folding the
 * rest), keeping storage proportional to the doc.
 */
export class LocalOnlySaver {
  private written = 0
  private trimming = false

  constructor(private readonly local: LocalReplica) {}

  save(bytes: Uint8Array): void {
    this.local.saveLocal(bytes).then(
      (clientSeq) => {
        this.written = Math.max(this.written, clientSeq)
        this.trim()
      },
      () => undefined, // closed
    )
  }

  private trim(): void {
    if (this.trimming) return
    this.trimming = true
    const upTo = this.written
    this.local.ackOutbox(upTo).then(
      () => {
        this.trimming = false
        if (this.written > upTo) this.trim()
      },
      () => undefined, // closed
    )
  }
}
