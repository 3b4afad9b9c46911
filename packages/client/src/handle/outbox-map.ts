/**
 * Maps the protocol session's local seqs (per session, in memory) to the
 * storage outbox's clientSeqs (per doc, shared by tabs), and says how far the
 * stored outbox may be trimmed: up to the last seq that is both acked by the
 * server and written locally, with everything before it written too.
 */
export class OutboxMap {
  private readonly entries = new Map<number, number | undefined>() // seq -> clientSeq once written
  private ackedSeq = 0

  /** The session asked to persist `seq`. */
  add(seq: number): void {
    this.entries.set(seq, undefined)
  }

  /** `seq` was written to storage as outbox entry `clientSeq`. */
  written(seq: number, clientSeq: number): void {
    if (this.entries.has(seq)) this.entries.set(seq, clientSeq)
  }

  /** The server acked every seq up to `seq`. */
  acked(seq: number): void {
    this.ackedSeq = Math.max(this.ackedSeq, seq)
  }

  /** Seqs added but not yet written. */
  get unwritten(): number {
    let n = 0
    for (const c of this.entries.values()) if (c === undefined) n++
    return n
  }

  /**
   * The clientSeq up to which the stored outbox can be dropped now, or
   * undefined; forgets the entries it covers.
   */
  takeTrimPoint(): number | undefined {
    let upTo: number | undefined
    const seqs = [...this.entries.keys()].sort((a, b) => a - b)
    for (const seq of seqs) {
      const clientSeq = this.entries.get(seq)
      if (seq > this.ackedSeq || clientSeq === undefined) break
      upTo = Math.max(upTo ?? 0, clientSeq)
      this.entries.delete(seq)
    }
    return upTo
  }
}
