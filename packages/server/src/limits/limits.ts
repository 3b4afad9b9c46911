/** Per-connection limits. Every field has a safe default; see {@link DEFAULT_LIMITS}. */
export interface Limits {
  /** Largest WebSocket frame accepted; a bigger one closes the socket with 1009 (enforced by ws itself). */
  readonly maxFrameBytes: number
  /**
   * Largest frame a client may send cut into parts of at most `maxFrameBytes`
   * (a big paste, a long offline session), all parts together; the welcome
   * tells clients both limits ([PART-1]).
   */
  readonly maxMessageBytes: number
  /** Docs one connection may be subscribed to at once. */
  readonly maxDocsPerConnection: number
  /** Frames per connection per second; above it the connection gets `rate-limited` and is closed. */
  readonly maxMessagesPerSecond: number
  /** Bytes queued for one slow reader; past this it is disconnected and resyncs later. */
  readonly maxBufferedBytes: number
  /** An unauthenticated socket that sends no `hello` within this many ms is closed. */
  readonly helloTimeoutMs: number
  /** Largest presence state (JSON text length); above it the connection gets `too-large`. */
  readonly maxPresenceBytes: number
  /** Deepest nesting of a presence state ([PRES-5]). */
  readonly maxPresenceDepth: number
  /** Most entries in the version vector of a subscribe or digest, checked before decoding ([LIM-2]). */
  readonly maxVersionVectorEntries: number
}

/** Defaults chosen so one client cannot grow the server's memory by much. */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxMessageBytes: 16 * 1024 * 1024,
  maxDocsPerConnection: 256,
  maxMessagesPerSecond: 500,
  maxBufferedBytes: 8 * 1024 * 1024,
  helloTimeoutMs: 10_000,
  maxPresenceBytes: 4096,
  maxPresenceDepth: 32,
  maxVersionVectorEntries: 16_384,
})

/** Fills in defaults and rejects non-positive or non-finite values. */
export function resolveLimits(partial: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, ...stripUndefined(partial) }
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`limit ${key} must be a positive number, got ${String(value)}`)
    }
  }
  return limits
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
