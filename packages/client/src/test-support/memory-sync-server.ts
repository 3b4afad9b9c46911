import { FrameReader, SyncServer, createDocModel, type ProtocolMessage, type ServerEffect } from '@weft/crdt-core'
import { MemoryNetwork, type MemoryPeer } from '../transport/memory-transport.js'

/**
 * crdt-core's protocol server on an in-memory network, with an in-memory log
 * that is durable at once. For client unit tests: real protocol, no sockets.
 */
export class MemorySyncServer {
  readonly network = new MemoryNetwork()
  readonly server = new SyncServer({ docModel: createDocModel() })
  /** Deltas the server persisted, per doc. */
  readonly log = new Map<string, { seq: number; bytes: Uint8Array }[]>()
  /** Frames received from clients (byte accounting). */
  readonly received: Uint8Array[] = []
  /** What each of `received` reads as on its connection (undefined: a part, or a frame the server refuses). */
  readonly messages: (ProtocolMessage | undefined)[] = []
  /** Tokens the clients' hellos carried, in order. */
  readonly tokens: (string | undefined)[] = []
  private readonly peers = new Map<number, MemoryPeer>()
  private nextConn = 1
  private tick: ReturnType<typeof setInterval>

  constructor() {
    this.network.accept((peer) => {
      const id = this.nextConn++
      this.peers.set(id, peer)
      const reader = new FrameReader()
      peer.onMessage((frame) => {
        this.received.push(frame)
        this.messages.push(readOrUndefined(reader, frame))
        this.run(this.server.receive(id, frame, Date.now()))
      })
      peer.onClose(() => {
        this.peers.delete(id)
        this.run(this.server.disconnect(id))
      })
      this.run(this.server.connect(id, Date.now()))
    })
    this.tick = setInterval(() => this.run(this.server.tick(Date.now())), 200)
  }

  get transport() {
    return this.network.transport
  }

  close(): void {
    clearInterval(this.tick)
    this.network.dropAll()
  }

  private run(effects: readonly ServerEffect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'send':
          this.peers.get(e.conn)?.send(e.frame)
          break
        case 'broadcast':
          for (const c of e.to) this.peers.get(c)?.send(e.frame)
          break
        case 'close':
          this.peers.get(e.conn)?.close(e.reason)
          break
        case 'load': {
          const deltas = this.log.get(e.doc) ?? []
          queueMicrotask(() => this.run(this.server.loaded(e.doc, { deltas })))
          break
        }
        case 'persist': {
          const log = this.log.get(e.doc) ?? []
          this.log.set(e.doc, log)
          const seq = log.length + 1
          log.push({ seq, bytes: e.bytes })
          queueMicrotask(() => this.run(this.server.persisted(e.id, seq)))
          break
        }
        case 'authenticate':
          this.tokens.push(e.token)
          this.run(this.server.authenticated(e.conn, { ok: true, principal: e.token }))
          break
        default:
          break
      }
    }
  }
}

function readOrUndefined(reader: FrameReader, frame: Uint8Array): ProtocolMessage | undefined {
  try {
    return reader.read(frame)
  } catch {
    // A frame the server refuses: the server says why.
    return undefined
  }
}
