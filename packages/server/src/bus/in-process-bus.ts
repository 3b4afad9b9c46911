import type { Bus, BusHandlers, CommittedDelta, HeadsBeat } from './bus.js'

/** Options of {@link InProcessBusHub}. */
export interface InProcessBusHubOptions {
  /** Test switch: return true to lose this delta on its way to `to` (as a restarted bus server would). */
  readonly dropDelta?: (event: CommittedDelta, to: string) => boolean
}

/**
 * A bus within one process: the default for a single node (it then carries
 * nothing), and several nodes in one test process share one hub. Delivery is
 * asynchronous, like a network's.
 *
 * @example
 * ```ts
 * const hub = new InProcessBusHub()
 * const a = createServer({ store, bus: hub.connect('a') })
 * const b = createServer({ store, bus: hub.connect('b') })
 * ```
 */
export class InProcessBusHub {
  private readonly nodes = new Map<string, InProcessBus>()

  constructor(private readonly options: InProcessBusHubOptions = {}) {}

  /** A bus endpoint for `node` (a node id unique within the hub). */
  connect(node: string): Bus {
    if (this.nodes.has(node)) throw new Error(`node ${node} is already on this bus`)
    const bus = new InProcessBus(node, this)
    this.nodes.set(node, bus)
    return bus
  }

  /** @internal */
  deliverDelta(event: CommittedDelta): void {
    for (const [node, bus] of this.nodes) {
      if (node === event.node || !bus.watches(event.doc)) continue
      if (this.options.dropDelta?.(event, node)) continue
      setImmediate(() => bus.receiveDelta(event))
    }
  }

  /** @internal */
  deliverBeat(beat: HeadsBeat): void {
    for (const [node, bus] of this.nodes) if (node !== beat.node) setImmediate(() => bus.receiveBeat(beat))
  }

  /** @internal */
  leave(node: string): void {
    this.nodes.delete(node)
  }
}

class InProcessBus implements Bus {
  readonly description = 'in-process'
  readonly connected = true
  private handlers: BusHandlers | undefined
  private readonly watched = new Set<string>()

  constructor(
    private readonly node: string,
    private readonly hub: InProcessBusHub,
  ) {}

  listen(handlers: BusHandlers): void {
    this.handlers = handlers
  }
  async watch(doc: string): Promise<void> {
    this.watched.add(doc)
  }
  unwatch(doc: string): void {
    this.watched.delete(doc)
  }
  watches(doc: string): boolean {
    return this.watched.has(doc)
  }
  publish(event: CommittedDelta): void {
    this.hub.deliverDelta(event)
  }
  publishBeat(beat: HeadsBeat): void {
    this.hub.deliverBeat(beat)
  }
  receiveDelta(event: CommittedDelta): void {
    if (this.watched.has(event.doc)) this.handlers?.delta(event)
  }
  receiveBeat(beat: HeadsBeat): void {
    this.handlers?.beat(beat)
  }
  async close(): Promise<void> {
    this.hub.leave(this.node)
    this.watched.clear()
  }
}
