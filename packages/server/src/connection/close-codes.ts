import type { SyncErrorCode } from '@weft/crdt-core'

/**
 * WebSocket close codes the server uses. 1xxx are standard; 44xx mirror the
 * HTTP status of the same meaning so logs read naturally. The error frame
 * sent before a protocol close carries the exact {@link SyncErrorCode}.
 */
export const CloseCode = Object.freeze({
  normal: 1000,
  /** Server shutting down. */
  goingAway: 1001,
  /** Frame above `maxFrameBytes` (sent by ws itself, before any decoding). */
  tooBig: 1009,
  /** Unexpected server failure. */
  internalError: 1011,
  /** A frame failed to decode or broke the protocol. */
  badFrame: 4400,
  /** `hello` missing, or its token missing, forged or expired. */
  unauthorized: 4401,
  /** No `hello` in time, or the connection went silent. */
  timeout: 4408,
  /** A presence state or frame above its limit, caught by the protocol. */
  tooLarge: 4413,
  /** The frame's protocol version is not spoken here. */
  unsupportedVersion: 4426,
  /** Above `maxMessagesPerSecond`. */
  rateLimited: 4429,
  /** More than `maxBufferedBytes` queued for this reader. */
  slowConsumer: 4509,
})

/** The WebSocket close code for a protocol `close` effect. */
export function closeCodeFor(code: SyncErrorCode | 'normal'): number {
  switch (code) {
    case 'normal':
      return CloseCode.normal
    case 'unauthorized':
      return CloseCode.unauthorized
    case 'timeout':
      return CloseCode.timeout
    case 'too-large':
      return CloseCode.tooLarge
    case 'unsupported-version':
      return CloseCode.unsupportedVersion
    case 'rate-limited':
      return CloseCode.rateLimited
    case 'internal':
      return CloseCode.internalError
    default:
      return CloseCode.badFrame
  }
}
