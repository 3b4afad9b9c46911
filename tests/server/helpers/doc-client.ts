import { Doc, type ProtocolMessage, type VersionVector } from '@weft/crdt-core'
import { RawClient } from './raw-client.js'

type Of<T extends ProtocolMessage['type']> = Extract<ProtocolMessage, { type: T }>

/**
 * A minimal real client for one doc: a crdt-core `Doc` synced over a real
 * WebSocket with protocol frames. Keeps its own outbox of unacked deltas so
 * tests can check that everything acked survives.
 */
export class DocClient {
  readonly doc: Doc
  raw!: RawClient
  /** Client seq -> delta, until acked. */
  readonly outbox = new Map<number, Uint8Array>()
  ackedSeq = 0
  private seq = 0
  private readonly ackWaiters: { seq: number; resolve: () => void }[] = []

  constructor(
    readonly docId: string,
    doc?: Doc,
  ) {
    this.doc = doc ?? new Doc()
    this.doc.on('delta', (delta) => {
      const seq = ++this.seq
      this.outbox.set(seq, delta)
      if (this.raw && !this.raw.isClosed) this.raw.send({ type: 'delta', doc: this.docId, seq, delta })
    })
  }

  /**
   * Connects, says hello and subscribes ({@link resync}). Like the production
   * client, it re-uploads what the server lacks as one compact delta, not the
   * outbox one by one: an outbox delta may build on a collaborator's delta the
   * server fanned out and then lost in a crash ([FAN-1]), which the compact
   * upload carries and a lone resend would not ([CAUSAL-1] refuses it).
   */
  async connect(url: string, token = ''): Promise<Of<'sync'>> {
    this.raw = await RawClient.hello(url, token)
    this.handled = 0
    const welcome = this.raw.received[0]
    if (welcome?.type !== 'welcome') throw new Error(`no welcome: ${JSON.stringify(welcome)}`)
    this.raw.ws.on('message', () => this.drain())
    return this.resync()
  }

  /**
   * Subscribes with the doc's vv, applies the sync reply and uploads what the
   * server lacks in ONE delta tagged with the highest seq so far, whose ack
   * acks the whole outbox ([OUT-3]).
   */
  private async resync(): Promise<Of<'sync'>> {
    const raw = this.raw
    const sync = raw.next<Of<'sync'>>((m) => (m.type === 'sync' || m.type === 'error') && m.doc === this.docId)
    raw.send({ type: 'subscribe', doc: this.docId, vv: this.doc.versionVector() })
    const reply = await sync
    if (reply.type !== 'sync') throw new Error(`subscribe refused: ${JSON.stringify(reply)}`)
    if (reply.delta.length > 0) this.doc.applyDelta(reply.delta)
    const lacking = this.doc.encodeDeltaSince(reply.vv)
    if ((lacking.length > 0 || this.outbox.size > 0) && !raw.isClosed) {
      raw.send({ type: 'delta', doc: this.docId, seq: this.seq, delta: lacking })
    }
    return reply
  }

  /** Local edit: one transaction, one delta sent. */
  edit(fn: (doc: Doc) => void): number {
    this.doc.transact(() => fn(this.doc))
    return this.seq
  }

  /** Resolves once the server acked every delta up to `seq` (default: all so far). */
  acked(seq = this.seq, timeoutMs = 5_000): Promise<void> {
    if (this.ackedSeq >= seq) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ack for seq ${seq} (acked ${this.ackedSeq}); last frames: ${this.lastFrames()}`)), timeoutMs)
      this.ackWaiters.push({
        seq,
        resolve: () => {
          clearTimeout(t)
          resolve()
        },
      })
    })
  }

  get vv(): VersionVector {
    return this.doc.versionVector()
  }

  close(): void {
    this.raw?.close()
  }

  /** What arrived last on the connection, for a timeout's message (an error frame says why no ack came). */
  private lastFrames(n = 6): string {
    const msgs = this.raw?.received ?? []
    const tail = msgs.slice(-n).map((m) => (m.type === 'error' ? `error ${JSON.stringify(m)}` : m.type === 'ack' ? `ack ${m.clientSeq}` : m.type))
    return `${tail.join(', ') || 'none'} (${msgs.length} in all, connection ${this.raw?.isClosed ? 'closed' : 'open'})`
  }

  private handled = 0

  /** Applies what arrived since the last call (deltas, acks, heals). */
  private drain(): void {
    const msgs = this.raw.received
    for (; this.handled < msgs.length; this.handled++) {
      const m = msgs[this.handled]!
      if (!('doc' in m) || m.doc !== this.docId) continue
      // [CAUSAL-1] a refused delta is answered by re-subscribing, whose upload carries what the server lacks.
      if (m.type === 'error' && m.code === 'missing-deps') void this.resync().catch(() => undefined)
      else if (m.type === 'delta') this.doc.applyDelta(m.delta)
      else if (m.type === 'heal') this.doc.applyDelta(m.state)
      else if (m.type === 'ack') {
        this.ackedSeq = Math.max(this.ackedSeq, m.clientSeq)
        for (const s of [...this.outbox.keys()]) if (s <= m.clientSeq) this.outbox.delete(s)
        for (const w of [...this.ackWaiters]) {
          if (w.seq <= this.ackedSeq) {
            this.ackWaiters.splice(this.ackWaiters.indexOf(w), 1)
            w.resolve()
          }
        }
      }
    }
  }
}

/** Polls until `check` passes (for convergence over the network). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 10))
    }
  }
}
