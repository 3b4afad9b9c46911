import { Doc, type ProtocolMessage, decodeMessage, encodeMessage } from '@weft/crdt-core'
import { WebSocket } from 'ws'

/** A protocol-level client of one doc: enough to time deliveries and acks without the client runtime's own work. */
export class RawDocClient {
  readonly doc = new Doc()
  private seq = 0
  acked = 0
  onDelta: (() => void) | undefined
  onAck: (() => void) | undefined

  private constructor(
    private readonly ws: WebSocket,
    readonly docId: string,
  ) {
    ws.on('message', (data: Buffer) => {
      const m: ProtocolMessage = decodeMessage(new Uint8Array(data))
      if (m.type === 'delta' || m.type === 'sync') {
        if (m.delta.length > 0) this.doc.applyDelta(m.delta)
        this.onDelta?.()
      } else if (m.type === 'ack') {
        this.acked = Math.max(this.acked, m.clientSeq)
        this.onAck?.()
      }
    })
  }

  static async open(url: string, docId: string): Promise<RawDocClient> {
    const ws = new WebSocket(url)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    const c = new RawDocClient(ws, docId)
    ws.send(encodeMessage({ type: 'hello', token: '', clientName: 'bench' }))
    const synced = new Promise<void>((r) => (c.onDelta = r))
    ws.send(encodeMessage({ type: 'subscribe', doc: docId, vv: {} }))
    await synced
    c.onDelta = undefined
    return c
  }

  /** One edit, sent as one delta frame; returns its client seq. */
  edit(fn: (doc: Doc) => void): number {
    let delta: Uint8Array | undefined
    const off = this.doc.on('delta', (d) => {
      delta = d
    })
    fn(this.doc)
    off()
    const seq = ++this.seq
    if (delta) this.ws.send(encodeMessage({ type: 'delta', doc: this.docId, seq, delta }))
    return seq
  }

  close(): void {
    this.ws.close()
  }
}
