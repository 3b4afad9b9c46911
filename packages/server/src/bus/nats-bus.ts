import { createHash } from 'node:crypto'
import { type NatsConnection, type Subscription, connect } from '@nats-io/transport-node'
import { redactUrl } from '../redact-url.js'
import type { Bus, BusHandlers, CommittedDelta, HeadsBeat } from './bus.js'
import { BusDecodeError, decodeBusMessage, encodeCommittedDelta, encodeHeadsBeat } from './bus-codec.js'

/** Options of {@link NatsBus.connect}. */
export interface NatsBusOptions {
  /** `nats://host:port` (credentials as `nats://user:password@host:port`). */
  readonly url: string
  /** This node's id: the connection's name, and how its own messages are told apart. */
  readonly node: string
  /** Subject prefix (default `weft`): clusters sharing a NATS server use different ones. */
  readonly prefix?: string
  /** Give up the first connection after this long (default 5 s); later drops reconnect forever. */
  readonly connectTimeoutMs?: number
  /** Test switch: return true to lose an incoming delta, as a restarted NATS server would. */
  readonly dropIncoming?: (event: CommittedDelta) => boolean
  /** Undecodable messages (another version, damage): counted by the caller, then ignored. */
  readonly onBadMessage?: (error: BusDecodeError) => void
}

/**
 * The bus on NATS core pub/sub (not JetStream: a lost message is repaired from
 * the store, so the bus need not persist anything, and core NATS adds a
 * fraction of a millisecond). Each doc has its own subject, so a node receives
 * only the deltas of docs it has loaded; beats go to one subject every node
 * hears. The connection never echoes a node's own messages back.
 *
 * @example
 * ```ts
 * const bus = await NatsBus.connect({ url: 'nats://127.0.0.1:4222', node: 'n1' })
 * ```
 */
export class NatsBus implements Bus {
  readonly description: string
  private handlers: BusHandlers | undefined
  private readonly subs = new Map<string, Subscription>()
  private readonly prefix: string
  private up = true
  private closed = false

  private constructor(
    private readonly nc: NatsConnection,
    private readonly o: NatsBusOptions,
  ) {
    this.prefix = o.prefix ?? 'weft'
    this.description = redactUrl(o.url)
    nc.subscribe(`${this.prefix}.beat`, {
      callback: (err, msg) => {
        if (err) return
        const m = this.decode(msg.data)
        if (m?.type === 'beat' && m.node !== o.node) this.handlers?.beat(m)
      },
    })
    void this.watchStatus()
  }

  /** Connects (rejecting after `connectTimeoutMs` when the server cannot be reached or refuses the credentials). */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const nc = await connect({
      servers: options.url,
      name: `weft-server ${options.node}`,
      noEcho: true,
      timeout: options.connectTimeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 5000,
    })
    const bus = new NatsBus(nc, options)
    // A round trip, so the server has the beat subscription before the caller publishes anything on
    // another connection (without it, another node's first beat can reach the server before our SUB).
    await nc.flush()
    return bus
  }

  get connected(): boolean {
    return this.up && !this.closed
  }

  listen(handlers: BusHandlers): void {
    this.handlers = handlers
  }

  async watch(doc: string): Promise<void> {
    if (this.closed || this.subs.has(doc)) return
    const sub = this.nc.subscribe(this.subjectOf(doc), {
      callback: (err, msg) => {
        if (err) return
        const m = this.decode(msg.data)
        if (m?.type !== 'delta' || m.doc !== doc || m.node === this.o.node) return
        if (this.o.dropIncoming?.(m)) return
        this.handlers?.delta(m)
      },
    })
    this.subs.set(doc, sub)
    // A round trip: the server has the subscription once it answers. Bounded, so a load never waits
    // on a bus that is down (what is missed then is re-read when it comes back).
    await Promise.race([this.nc.flush().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())])
  }

  unwatch(doc: string): void {
    this.subs.get(doc)?.unsubscribe()
    this.subs.delete(doc)
  }

  publish(event: CommittedDelta): void {
    if (this.closed) return
    try {
      this.nc.publish(this.subjectOf(event.doc), encodeCommittedDelta(event))
    } catch {
      // Closed or draining: the others re-read from the store.
    }
  }

  publishBeat(beat: HeadsBeat): void {
    if (this.closed) return
    try {
      this.nc.publish(`${this.prefix}.beat`, encodeHeadsBeat(beat))
    } catch {
      // as above
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.subs.clear()
    await this.nc.close()
  }

  /** One subject per doc: a hash, since doc ids may hold any character; messages name their doc, so a collision only costs a filter. */
  private subjectOf(doc: string): string {
    return `${this.prefix}.d.${createHash('sha256').update(doc).digest('base64url').slice(0, 22)}`
  }

  private decode(data: Uint8Array) {
    try {
      return decodeBusMessage(data)
    } catch (error) {
      if (error instanceof BusDecodeError) this.o.onBadMessage?.(error)
      return undefined
    }
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') this.up = false
      else if (s.type === 'reconnect') {
        this.up = true
        this.handlers?.resumed()
      }
    }
  }
}
