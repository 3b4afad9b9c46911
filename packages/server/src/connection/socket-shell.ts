import type { Logger } from 'pino'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import type { Limits } from '../limits/limits.js'
import type { ServerMetrics } from '../metrics/metrics.js'
import { isPartFrame } from '@weft/crdt-core'
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
  /** Frames waiting for the socket to drain, in order ([PART-2]). */
  private backlog: { bytes: Uint8Array; exempt: boolean }[] = []
  /** Backlog bytes that count against `maxBufferedBytes`, and those of the one large frame that does not. */
  private countedBytes = 0
  private exemptBytes = 0
  /** Between the first and the last part of a frame; whether that frame's parts are exempt. */
  private inParts = false
  private partsExempt = false
  private draining = false
  /** Above this much in ws, frames wait in the backlog. */
  private readonly highWater: number

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
    this.highWater = Math.max(64 * 1024, Math.min(1 << 20, Math.floor(options.limits.maxBufferedBytes / 4)))
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
   * Sends one frame unless the reader is too slow, in order. Frames wait in
   * a backlog while ws already holds `highWater` bytes and go out as the
   * socket drains ([PART-2]). The reader is too slow when what ws holds plus
   * the backlog passes `maxBufferedBytes`; then the socket is dropped, so a
   * stalled reader never grows the server's memory (it resyncs on reconnect).
   * The parts of ONE large frame at a time (a big doc's sync reply) do not
   * count: they are sent as the reader takes them, so a doc larger than the
   * buffer limit still loads.
   */
  send(bytes: Uint8Array): boolean {
    if (!this.isOpen) return false
    let exempt = false
    if (isPartFrame(bytes)) {
      if (!this.inParts) {
        this.inParts = true
        this.partsExempt = this.exemptBytes === 0
      }
      exempt = this.partsExempt
      if (bytes[2] === 0) this.inParts = false
    }
    if (!exempt && this.ws.bufferedAmount + this.countedBytes + bytes.byteLength > this.options.limits.maxBufferedBytes) {
      this.options.metrics.errors.inc({ code: 'slow-consumer' })
      this.options.logger.info({ buffered: this.ws.bufferedAmount, backlog: this.countedBytes + this.exemptBytes }, 'dropping a slow reader')
      this.closed = true
      this.backlog = []
      // Its buffer is full by definition: a close handshake would wait behind it.
      this.ws.terminate()
      return false
    }
    if (this.backlog.length === 0 && this.ws.bufferedAmount < this.highWater) {
      this.write(bytes)
      return true
    }
    this.backlog.push({ bytes, exempt })
    if (exempt) this.exemptBytes += bytes.byteLength
    else this.countedBytes += bytes.byteLength
    this.waitForDrain()
    return true
  }

  /** Hands backlog frames to ws while it holds less than `highWater`. */
  pump(): void {
    this.draining = false
    if (!this.isOpen) {
      this.backlog = []
      return
    }
    let n = 0
    while (n < this.backlog.length && this.ws.bufferedAmount < this.highWater) {
      const f = this.backlog[n++]!
      if (f.exempt) this.exemptBytes -= f.bytes.byteLength
      else this.countedBytes -= f.bytes.byteLength
      this.write(f.bytes)
    }
    this.backlog.splice(0, n)
    if (this.backlog.length > 0) this.waitForDrain()
  }

  private waitForDrain(): void {
    if (this.draining) return
    this.draining = true
    // Above highWater the socket's own buffer is past its mark, so 'drain' follows; the timer covers the rest.
    if (this.raw.writableNeedDrain) this.raw.once('drain', () => this.pump())
    else setTimeout(() => this.pump(), 5)
  }

  private write(bytes: Uint8Array): void {
    if (!this.corked) {
      this.corked = true
      this.raw.cork()
      process.nextTick(uncork, this)
    }
    this.ws.send(bytes, BINARY)
    this.options.metrics.bytesOut.inc(bytes.byteLength)
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
