import { FrameAssembler, type ProtocolMessage, decodeMessage, encodeMessage } from '@weft/crdt-core'
import { type TestSocket, openSocket } from './ws-client.js'

/**
 * A wire-level test client: sends protocol messages over a real WebSocket and
 * records every message received, so tests can await specific ones.
 */
export class RawClient {
  readonly received: ProtocolMessage[] = []
  /** Resolves with the close code once the socket closed. */
  readonly closed: Promise<number>
  private waiters: { pred: (m: ProtocolMessage) => boolean; resolve: (m: ProtocolMessage) => void }[] = []
  private closeCode: number | undefined
  /** Bytes this client sent (what a hostile run reports per attack). */
  bytesSent = 0
  /** Frames the server sends in parts ([PART-1]) are joined before they are decoded. */
  private readonly parts = new FrameAssembler(1 << 30)

  private constructor(
    readonly ws: TestSocket,
    /** This end's port: names the connection in reports. */
    readonly localPort = 0,
  ) {
    ws.on('message', (data) => {
      const frame = this.parts.push(new Uint8Array(data))
      if (frame === undefined) return
      let m: ProtocolMessage
      try {
        m = decodeMessage(frame)
      } catch (error) {
        throw new Error(`server sent an undecodable frame: ${String(error)}`)
      }
      this.received.push(m)
      for (const w of [...this.waiters]) {
        if (w.pred(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          w.resolve(m)
        }
      }
    })
    this.closed = new Promise((resolve) =>
      ws.once('close', (code) => {
        this.closeCode = code
        resolve(code)
      }),
    )
    ws.on('error', () => {})
  }

  static async connect(url: string): Promise<RawClient> {
    const { ws, localPort } = await openSocket(url)
    return new RawClient(ws, localPort)
  }

  /** Connects and completes `hello`, resolving after `welcome`. */
  static async hello(url: string, token = '', clientName = 'test'): Promise<RawClient> {
    const c = await RawClient.connect(url)
    c.send({ type: 'hello', token, clientName })
    await c.next((m) => m.type === 'welcome' || m.type === 'error')
    return c
  }

  get isClosed(): boolean {
    return this.closeCode !== undefined
  }

  send(m: ProtocolMessage): void {
    this.sendRaw(encodeMessage(m))
  }

  sendRaw(bytes: Uint8Array): void {
    this.bytesSent += bytes.length
    this.ws.send(bytes)
  }

  /** The next message to arrive that matches `pred` (register before sending what triggers it). */
  next<T extends ProtocolMessage = ProtocolMessage>(pred: (m: ProtocolMessage) => boolean, timeoutMs = 5_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new Error(`timed out waiting for a message; received: ${JSON.stringify(this.received.map((m) => m.type))}`))
      }, timeoutMs)
      const waiter = {
        pred,
        resolve: (m: ProtocolMessage) => {
          clearTimeout(timer)
          resolve(m as T)
        },
      }
      this.waiters.push(waiter)
    })
  }

  close(): void {
    this.ws.close()
  }
}
