/**
 * WebSocket close codes the server uses. 1xxx are standard; 44xx mirror the
 * HTTP status of the same meaning so logs read naturally. A client reconnects
 * (with backoff) after any of them except `unauthorized` and `forbidden`.
 */
export const CloseCode = Object.freeze({
  /** Server shutting down. */
  goingAway: 1001,
  /** Frame above `maxFrameBytes` (sent by ws itself). */
  tooBig: 1009,
  /** Unexpected server failure. */
  internalError: 1011,
  /** A frame failed to decode or broke the protocol. */
  protocolError: 4400,
  /** `hello` carried a missing, forged or expired token. */
  unauthorized: 4401,
  /** No `hello` within `helloTimeoutMs`. */
  helloTimeout: 4408,
  /** Above `maxMessagesPerSecond` (after the burst). */
  rateLimited: 4429,
  /** More than `maxBufferedBytes` queued for this reader. */
  slowConsumer: 4509,
})

export type CloseCodeName = keyof typeof CloseCode
