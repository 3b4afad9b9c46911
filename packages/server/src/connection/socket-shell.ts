import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import type { Limits } from '../limits/limits.js'
import { TokenBucket } from '../limits/token-bucket.js'
import type { ServerMetrics } from '../metrics/metrics.js'
import { CloseCode, type CloseCodeName } from './close-codes.js'

/** What the protocol side of a connection implements. */
export interface FrameHandler {
  /** One binary frame, already within the frame-size and rate limits. */
  onFrame(bytes: Uint8Array): void
  /** The socket closed (either side); release subscriptions. */
  onClose(): void
}

/** Options of {@link SocketShell}. */
export interface SocketShellOptions {
  readonly limits: Limits
  readonly metrics: ServerMetrics
  readonly logger: Logger
  /** Sent (best effort) right before a limit closes the socket, so the client learns why. */
  readonly encodeLimitError?: (code: CloseCodeName) => Uint8Array | undefined
  readonly now?: () => number
}

/**
 * Socket-level I/O of one connection: limits that need no protocol knowledge
 * (rate, buffered bytes, hello deadline), byte metrics, and orderly close.
 * The frame size limit is enforced earlier by ws (`maxPayload`).
 */
export class SocketShell {
  private handler: FrameHandler | undefined
  private readonly bucket: TokenBucket
  private helloTimer: ReturnType<typeof setTimeout> | undefined
  private closed = false

  constructor(
    private readonly ws: WebSocket,
    private readonly options: SocketShellOptions,
  ) {
    const { limits } = options
    this.bucket = new TokenBucket(limits.maxMessagesPerSecond, limits.messageBurst, options.now)
    this.helloTimer = setTimeout(() => this.closeForLimit('helloTimeout', 'no hello in time'), limits.helloTimeoutMs)
    ws.binaryType = 'nodebuffer'
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary))
    ws.on('close', () => this.onSocketClosed())
    ws.on('error', (error) => {
      // ws emits 1009 closes and bad-frame errors here; the close event follows.
      options.metrics.errors.inc({ code: errorCode(error) })
      options.logger.debug({ err: error }, 'socket error')
    })
  }

  /** Attaches the protocol side; frames before this are impossible (set in the same tick). */
  attach(handler: FrameHandler): void {
    this.handler = handler
  }

  /** The client completed `hello`: stop the deadline. */
  helloDone(): void {
    if (this.helloTimer !== undefined) clearTimeout(this.helloTimer)
    this.helloTimer = undefined
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN
  }

  /**
   * Sends one frame unless the reader is too slow: when what ws still holds
   * plus this frame passes `maxBufferedBytes`, the socket is closed instead.
   */
  send(bytes: Uint8Array): boolean {
    if (!this.isOpen) return false
    if (this.ws.bufferedAmount + bytes.byteLength > this.options.limits.maxBufferedBytes) {
      this.closeForLimit('slowConsumer', 'reader too slow', false)
      return false
    }
    this.ws.send(bytes, { binary: true })
    this.options.metrics.bytesOut.inc(bytes.byteLength)
    return true
  }

  /** Closes with a code; later sends are dropped. */
  close(code: number, reason = ''): void {
    if (this.closed) return
    this.closed = true
    this.helloDone()
    try {
      this.ws.close(code, reason.slice(0, 120))
    } catch {
      this.ws.terminate()
    }
    // A peer that never answers the close handshake must not pin the socket.
    const t = setTimeout(() => this.ws.terminate(), 2_000)
    t.unref()
  }

  /** Closes because a limit was hit: counted, logged, and (when possible) explained with an error frame. */
  closeForLimit(code: CloseCodeName, reason: string, explain = true): void {
    if (this.closed) return
    this.options.metrics.errors.inc({ code })
    this.options.logger.info({ code, reason }, 'closing connection at a limit')
    if (explain) {
      const frame = this.options.encodeLimitError?.(code)
      if (frame && this.ws.bufferedAmount + frame.byteLength <= this.options.limits.maxBufferedBytes) {
        this.ws.send(frame, { binary: true })
      }
    }
    if (code === 'slowConsumer') {
      // Its buffer is full by definition: a graceful close would wait behind it.
      this.closed = true
      this.helloDone()
      this.ws.terminate()
      return
    }
    this.close(CloseCode[code], reason)
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    if (this.closed) return
    const bytes = toBytes(data)
    this.options.metrics.bytesIn.inc(bytes.byteLength)
    if (!isBinary) {
      this.options.metrics.errors.inc({ code: 'text-frame' })
      this.close(CloseCode.protocolError, 'binary frames only')
      return
    }
    if (!this.bucket.take()) {
      this.closeForLimit('rateLimited', 'too many messages')
      return
    }
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
    this.helloDone()
    this.handler?.onClose()
    this.handler = undefined
  }
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
