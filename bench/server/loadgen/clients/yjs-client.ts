import { WebSocket } from 'ws'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { withTimeout, type BenchClient, type ConnectClient } from './types.js'

/** Transaction origin of updates that came from the server, so they are not echoed back. */
const REMOTE = Symbol('remote')

// Message types shared by y-websocket and Hocuspocus; Hocuspocus prefixes every
// message with the document name and adds auth, sync-reply and sync-status.
const MSG_SYNC = 0
const MSG_AUTH = 2
const MSG_SYNC_REPLY = 4
const MSG_SYNC_STATUS = 8
const AUTH_TOKEN = 0
const AUTH_PERMISSION_DENIED = 1

type Flavor = 'y-websocket' | 'hocuspocus'

/**
 * A Yjs doc synced over y-protocols on a raw `ws` socket: what y-websocket's
 * and Hocuspocus's providers do, minus awareness and reconnect timers, so the
 * load generator spends its CPU on the protocol and not on provider extras.
 */
class YjsClient implements BenchClient {
  readonly doc = new Y.Doc()
  private readonly text = this.doc.getText('t')
  private readonly map = this.doc.getMap<number>('m')
  private socket: WebSocket | undefined
  private synced: (() => void) | undefined
  private failed: ((e: Error) => void) | undefined
  private listeners: (() => void)[] = []
  private sent = 0
  private acked = 0
  private ackWaiters: (() => void)[] = []
  bytesIn = 0

  constructor(
    private readonly flavor: Flavor,
    private readonly url: string,
    private readonly docId: string,
  ) {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE) return
      const e = this.encoder(MSG_SYNC)
      syncProtocol.writeUpdate(e, update)
      this.sent++
      this.send(encoding.toUint8Array(e))
    })
    this.doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (tr.origin === REMOTE && tr.changed.size > 0) for (const fn of this.listeners) fn()
    })
  }

  private encoder(type: number): encoding.Encoder {
    const e = encoding.createEncoder()
    if (this.flavor === 'hocuspocus') encoding.writeVarString(e, this.docId)
    encoding.writeVarUint(e, type)
    return e
  }

  private send(bytes: Uint8Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(bytes)
  }

  connect(): Promise<void> {
    const target = this.flavor === 'y-websocket' ? `${this.url}/${encodeURIComponent(this.docId)}` : this.url
    const socket = new WebSocket(target, { perMessageDeflate: false })
    this.socket = socket
    const ready = new Promise<void>((resolve, reject) => {
      this.synced = resolve
      this.failed = reject
    })
    socket.on('open', () => {
      if (this.flavor === 'hocuspocus') {
        const auth = this.encoder(MSG_AUTH)
        encoding.writeVarUint(auth, AUTH_TOKEN)
        encoding.writeVarString(auth, '')
        this.send(encoding.toUint8Array(auth))
      }
      const step1 = this.encoder(MSG_SYNC)
      syncProtocol.writeSyncStep1(step1, this.doc)
      this.send(encoding.toUint8Array(step1))
    })
    socket.on('message', (data: Buffer) => this.onMessage(data))
    socket.on('error', (e) => this.failed?.(e))
    socket.on('close', (code) => this.failed?.(new Error(`closed ${code} before sync`)))
    return withTimeout(ready, 30_000, `${this.flavor} sync of ${this.docId}`)
  }

  private onMessage(data: Buffer): void {
    this.bytesIn += data.byteLength
    const d = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    if (this.flavor === 'hocuspocus') decoding.readVarString(d)
    const type = decoding.readVarUint(d)
    switch (type) {
      case MSG_SYNC:
      case MSG_SYNC_REPLY: {
        const reply = this.encoder(MSG_SYNC)
        const before = encoding.length(reply)
        const syncType = syncProtocol.readSyncMessage(d, reply, this.doc, REMOTE)
        if (encoding.length(reply) > before) this.send(encoding.toUint8Array(reply))
        if (syncType === syncProtocol.messageYjsSyncStep2) {
          this.synced?.()
          this.synced = undefined
          this.failed = undefined
        }
        break
      }
      case MSG_SYNC_STATUS:
        this.acked++
        if (this.acked >= this.sent) for (const w of this.ackWaiters.splice(0)) w()
        break
      case MSG_AUTH:
        if (decoding.readVarUint(d) === AUTH_PERMISSION_DENIED) this.failed?.(new Error('permission denied'))
        break
      default: // MSG_AWARENESS and the rest: not measured
        break
    }
  }

  edit(key: string, seq: number, chars = 'x'): void {
    this.doc.transact(() => {
      this.text.insert(this.text.length, chars)
      this.map.set(key, seq)
    })
  }

  read(key: string): number | undefined {
    return this.map.get(key)
  }

  onRemoteChange(fn: () => void): void {
    this.listeners.push(fn)
  }

  textLength(): number {
    return this.text.length
  }

  stateMarker(): unknown {
    return Y.encodeStateVector(this.doc)
  }

  encodedSizeSince(marker: unknown): number {
    return Y.encodeStateAsUpdate(this.doc, marker as Uint8Array).byteLength
  }

  whenAcked(): Promise<void> {
    // y-websocket has no acks: the best a client can know is that the socket flushed.
    if (this.flavor === 'y-websocket') return this.flushed()
    if (this.acked >= this.sent) return Promise.resolve()
    return new Promise((resolve) => this.ackWaiters.push(resolve))
  }

  private flushed(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.socket || this.socket.bufferedAmount === 0) resolve()
        else setTimeout(check, 5)
      }
      check()
    })
  }

  disconnect(): Promise<void> {
    const s = this.socket
    this.socket = undefined
    this.failed = undefined
    if (!s || s.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      s.once('close', () => resolve())
      s.close()
    })
  }

  reconnect(): Promise<void> {
    this.sent = this.acked = 0
    return this.connect()
  }

  async close(): Promise<void> {
    await this.disconnect()
    this.doc.destroy()
  }
}

function connector(flavor: Flavor): ConnectClient {
  return async (url, docId) => {
    const c = new YjsClient(flavor, url, docId)
    await c.connect()
    return c
  }
}

export const connectYWebsocket: ConnectClient = connector('y-websocket')
export const connectHocuspocus: ConnectClient = connector('hocuspocus')
