/**
 * The highest seq `S` such that every seq `<= S` of a doc has been seen here.
 * A seq assigned by another node (never seen) stops it, so a snapshot taken
 * at the watermark never claims deltas that are not in the in-memory doc.
 */
export class SeqWatermark {
  private mark: number
  private readonly ahead = new Set<number>()

  constructor(base: number) {
    this.mark = base
  }

  get value(): number {
    return this.mark
  }

  see(seq: number): void {
    if (seq <= this.mark) return
    this.ahead.add(seq)
    while (this.ahead.delete(this.mark + 1)) this.mark++
  }
}
