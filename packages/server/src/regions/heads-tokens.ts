import { randomBytes } from 'node:crypto'

/**
 * The heads a peer was last told, by the token handed out with them, so the
 * next long poll answers only what moved. Bounded: an unknown or evicted
 * token (a restart, many peers) just means a full answer.
 */
export class HeadsTokens {
  private readonly seen = new Map<string, ReadonlyMap<string, number>>()

  constructor(private readonly max = 32) {}

  remember(heads: ReadonlyMap<string, number>): string {
    const token = randomBytes(8).toString('hex')
    this.seen.set(token, heads)
    while (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value as string)
    return token
  }

  recall(token: string | undefined): ReadonlyMap<string, number> | undefined {
    return token === undefined ? undefined : this.seen.get(token)
  }
}
