import type { Logger } from 'pino'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import type { Limits } from '../limits/limits.js'
import type { ServerMetrics } from '../metrics/metrics.js'
import { CloseCode } from './close-codes.js'

/** What the protocol side of a connection implements. */
export interface FrameHandler {
  /** One frame (ws already enforced the frame-size limit). */
  onFrame(bytes: Uint8Array): void
  /** The socket closed (either side); release subscriptions. */
  onClose(): void
}

/** Options of {@link SocketShell}. */
export interface SocketShellOptions {
  readonly limits: Limits
  readonly metrics: ServerMetrics
  readonly logger: Logger
}

/**
 * Socket I/O of one connection and nothing else: byte metrics, the
 * buffered-bytes limit on every send, and orderly close. Every protocol
 * decision (hello, auth, rate, docs) belongs to crdt-core's `SyncServer`.
 */
export class SocketShell {
  private handler: FrameHandler | undefined
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
    ws.on('message', (data) => this.onMessage(data))
    ws.on('close', () => this.onSocketClosed())
    ws.on('error', (error) => {
      // ws reports oversized and malformed frames here (then closes with 1009 / 1002).
      options.metrics.errors.inc({ code: errorCode(error) })
      options.logger.debug({ err: error }, 'socket error')
    })
  }

  /** Attaches the protocol side. */
  attach(handler: FrameHandler): void {
    this.handler = handler
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

  private onMessage(data: unknown): void {
    if (this.closed) return
    const bytes = toBytes(data)
    this.options.metrics.bytesIn.inc(bytes.byteLength)
    try {
      this.handler?.onFrame(bytes)
    } catch (error) {
      this.options.metrics.errors.inc({ code: 'internal' })
      this.options.logger.error({ err: error }, 'frame handler failed')
      this.close(CloseCode.internalError, 'internal error')
    }
  }

  private onSocketClosed(): void {
    this.closed = true
    const handler = this.handler
    this.handler = undefined
    handler?.onClose()
  }
}

const BINARY = { binary: true } as const

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
