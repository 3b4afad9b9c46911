/**
 * Which peer region the deltas this node imported came from, by doc and seq,
 * for the last `max` imports: a heads stream to that peer leaves them out
 * (the peer is where they came from), so a write crosses each link once
 * instead of coming back as an echo. One forgotten (past `max`, a restart)
 * is sent as this region's own: bytes the asker skips when it holds them,
 * or, when it lacks what they build on, leaves out and pulls `since` (the
 * importer appends nothing past a hole).
 */
export class RecentImports {
  private readonly from = new Map<string, string>()

  constructor(private readonly max = 100_000) {}

  record(doc: string, seq: number, peer: string): void {
    this.from.set(`${seq}\u0000${doc}`, peer)
    while (this.from.size > this.max) this.from.delete(this.from.keys().next().value as string)
  }

  origin(doc: string, seq: number): string | undefined {
    return this.from.get(`${seq}\u0000${doc}`)
  }
}
