import type { Logger } from 'pino'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import type { Limits } from '../limits/limits.js'
import type { ServerMetrics } from '../metrics/metrics.js'
import { CloseCode } from './close-codes.js'

/** What the protocol side implements, once for all connections. */
export interface FrameHandler {
  /** One frame of connection `conn` (ws already enforced the frame-size limit). */
  onFrame(conn: number, bytes: Uint8Array): void
  /** Connection `conn` closed (either side); release its subscriptions. */
  onClose(conn: number): void
}

/** Options of {@link SocketShell}. */
export interface SocketShellOptions {
  readonly limits: Limits
  readonly metrics: ServerMetrics
  readonly logger: Logger
  /** Called once when the socket has closed (for the server's connection set and gauge). */
  readonly onSocketClosed?: (ws: WebSocket) => void
}

/**
 * Socket I/O of one connection and nothing else: byte metrics, the
 * buffered-bytes limit on every send, and orderly close. Every protocol
 * decision (hello, auth, rate, docs) belongs to crdt-core's `SyncServer`.
 */
export class SocketShell {
  private handler: FrameHandler | undefined
  private conn = 0
  private closed = false
  private corked = false

  /**
   * @param raw the TCP socket under `ws`: corked while one task sends, so
   *   every frame a connection gets in that task (a batch of fan-out deltas,
   *   their ack) leaves in one write.
   * @param options shared by every connection.
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly raw: Duplex,
    private readonly options: SocketShellOptions,
  ) {
    ws.binaryType = 'nodebuffer'
    // Listeners shared by every connection (ws calls them with `this` = ws): no closures per socket.
    SHELLS.set(ws, this)
    ws.on('message', onWsMessage)
    ws.on('close', onWsClose)
    ws.on('error', onWsError)
  }

  /** Attaches the protocol side, which knows this socket as `conn`. */
  attach(handler: FrameHandler, conn: number): void {
    this.handler = handler
    this.conn = conn
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN
  }

  /**
   * Sends one frame unless the reader is too slow: when what ws still holds
   * plus this frame passes `maxBufferedBytes`, the socket is dropped instead,
   * so a stalled reader never grows the server's memory. It resyncs on reconnect.
   */
  send(bytes: Uint8Array): boolean {
    if (!this.isOpen) return false
    if (this.ws.bufferedAmount + bytes.byteLength > this.options.limits.maxBufferedBytes) {
      this.options.metrics.errors.inc({ code: 'slow-consumer' })
      this.options.logger.info({ buffered: this.ws.bufferedAmount }, 'dropping a slow reader')
      this.closed = true
      // Its buffer is full by definition: a close handshake would wait behind it.
      this.ws.terminate()
      return false
    }
    if (!this.corked) {
      this.corked = true
      this.raw.cork()
      process.nextTick(uncork, this)
    }
    this.ws.send(bytes, BINARY)
    this.options.metrics.bytesOut.inc(bytes.byteLength)
    return true
  }

  /** End of the task that corked the socket: write what it sent. */
  flushCorked(): void {
    this.corked = false
    this.raw.uncork()
  }

  /** Closes with a code after what is already queued; later sends are dropped. */
  close(code: number, reason = ''): void {
    if (this.closed) return
    this.closed = true
    // Close reasons are limited to 123 bytes.
    this.ws.close(code, Buffer.from(reason).subarray(0, 120).toString())
    // A peer that never answers the close handshake must not pin the socket.
    setTimeout(() => this.ws.terminate(), 2_000).unref()
  }

  /** @internal */
  onMessage(data: unknown): void {
    if (this.closed) return
    const bytes = toBytes(data)
    this.options.metrics.bytesIn.inc(bytes.byteLength)
    try {
      this.handler?.onFrame(this.conn, bytes)
    } catch (error) {
      this.options.metrics.errors.inc({ code: 'internal' })
      this.options.logger.error({ err: error }, 'frame handler failed')
      this.close(CloseCode.internalError, 'internal error')
    }
  }

  /** @internal */
  onSocketClosed(): void {
    this.closed = true
    const handler = this.handler
    this.handler = undefined
    handler?.onClose(this.conn)
    this.options.onSocketClosed?.(this.ws)
  }

  /** @internal ws reports oversized and malformed frames here (then closes with 1009 / 1002). */
  onSocketError(error: Error): void {
    this.options.metrics.errors.inc({ code: errorCode(error) })
    this.options.logger.debug({ err: error }, 'socket error')
  }
}

const BINARY = { binary: true } as const

/** The shell of each open socket, for the shared listeners below. */
const SHELLS = new WeakMap<WebSocket, SocketShell>()

function onWsMessage(this: WebSocket, data: unknown): void {
  SHELLS.get(this)?.onMessage(data)
}
function onWsClose(this: WebSocket): void {
  SHELLS.get(this)?.onSocketClosed()
}
function onWsError(this: WebSocket, error: Error): void {
  SHELLS.get(this)?.onSocketError(error)
}

function uncork(shell: SocketShell): void {
  shell.flushCorked()
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data as Buffer[]))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(0)
}

function errorCode(error: Error): string {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code.toLowerCase() : 'socket-error'
}
