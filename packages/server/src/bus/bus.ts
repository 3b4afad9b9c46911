/**
 * The bus between server nodes. Its seam is the committed delta (the
 * protocol's `durable` effect, [FAN-2]) carrying the doc's server seq, never
 * frames addressed to one node's connections. Delivery is at most once: a
 * node that sees a gap in a doc's seqs, or a beat with a newer head than it
 * has, re-reads the store, so a lost message costs latency, never data
 * ([BUS-1], [BUS-2]).
 */

/** A delta that one node committed to the store, as it tells the others. */
export interface CommittedDelta {
  readonly doc: string
  /** The doc's server seq, assigned by the store. */
  readonly seq: number
  readonly delta: Uint8Array
  /** The node that committed it. */
  readonly node: string
  /** When it was published (ms since the epoch, the publisher's clock): for the bus-lag metric. */
  readonly sentAt: number
}

/** A node's periodic beat: the heads of the docs it committed to lately. */
export interface HeadsBeat {
  readonly node: string
  readonly sentAt: number
  readonly heads: readonly DocHeadSeq[]
}

export interface DocHeadSeq {
  readonly doc: string
  readonly seq: number
}

/** What a bus delivers to its node. */
export interface BusHandlers {
  delta(event: CommittedDelta): void
  beat(beat: HeadsBeat): void
  /** The bus was cut off and is back: whatever was published meanwhile may be lost, so re-read what is watched. */
  resumed(): void
}

/**
 * One node's connection to the bus.
 *
 * @example
 * ```ts
 * const bus = await NatsBus.connect({ url: 'nats://127.0.0.1:4222', node: 'n1' })
 * bus.listen({ delta: (e) => relay(e), beat: (b) => checkHeads(b), resumed: () => rereadAll() })
 * await bus.watch('note:1') // deltas of note:1 published from now on arrive
 * bus.publish({ doc: 'note:1', seq: 7, delta, node: 'n1', sentAt: Date.now() })
 * ```
 */
export interface Bus {
  /** `in-process` or the server's URL (without credentials): shown by `/healthz`. */
  readonly description: string
  /** False while cut off from the bus server. */
  readonly connected: boolean
  /** Sets the receiver of everything this node gets (call once, before `watch`). */
  listen(handlers: BusHandlers): void
  /** Resolves once deltas of `doc` published from now on by other nodes will be delivered. */
  watch(doc: string): Promise<void>
  unwatch(doc: string): void
  /** Tells the other nodes watching `event.doc`; never to this node itself. */
  publish(event: CommittedDelta): void
  /** Tells every other node. */
  publishBeat(beat: HeadsBeat): void
  close(): Promise<void>
}
