/**
 * Protocol errors: one closed set of codes carried by one error class, the
 * same on the wire (`error` frames) and in code.
 */

/** Why a peer refused a frame, a doc or the connection. */
export type SyncErrorCode =
  | 'bad-frame' // the frame (or the delta inside it) does not decode; the connection closes
  | 'unsupported-version' // the frame's protocol version is not one this peer speaks; closes
  | 'unauthorized' // no hello yet, or authentication failed; closes
  | 'forbidden' // the principal may not read this doc
  | 'read-only' // the principal may read but not write this doc
  | 'not-subscribed' // a doc frame for a doc this connection did not subscribe to
  | 'too-many-docs' // the connection reached its subscription limit
  | 'too-large' // a frame or presence state above the configured size; closes
  | 'rate-limited' // more frames per second than allowed; closes
  | 'timeout' // no hello, or no frame at all, within the deadline; closes
  | 'unavailable' // the doc could not be loaded or stored right now; retry later
  | 'missing-deps' // a delta whose causal dependencies the server lacks: re-subscribe and upload what it lacks ([CAUSAL-1])
  | 'replica-owned' // a delta adds dots of a replica bound to another principal ([BIND-1]), or dots of this client's own replica it never made ([BIND-2])
  | 'internal' // a bug or an unexpected state on the sending side; closes

/** Every code, in wire order (the wire carries the code as a string). */
export const SYNC_ERROR_CODES: readonly SyncErrorCode[] = [
  'bad-frame',
  'unsupported-version',
  'unauthorized',
  'forbidden',
  'read-only',
  'not-subscribed',
  'too-many-docs',
  'too-large',
  'rate-limited',
  'timeout',
  'unavailable',
  'internal',
  'missing-deps',
  'replica-owned',
]

const CODES = new Set<string>(SYNC_ERROR_CODES)

/** Codes after which the sender closes the connection ([ERR-2]). */
const FATAL = new Set<SyncErrorCode>(['bad-frame', 'unsupported-version', 'unauthorized', 'too-large', 'rate-limited', 'timeout', 'internal'])

export function isSyncErrorCode(s: string): s is SyncErrorCode {
  return CODES.has(s)
}

/** True when a peer closes the connection after sending this code. */
export function isFatalSyncErrorCode(code: SyncErrorCode): boolean {
  return FATAL.has(code)
}

/**
 * A protocol error, raised locally or received in an `error` frame.
 *
 * @example
 * ```ts
 * if (isWeftSyncError(e) && e.code === 'read-only') showReadOnlyBanner(e.doc)
 * ```
 */
export class WeftSyncError extends Error {
  override readonly name = 'WeftSyncError'
  readonly code: SyncErrorCode
  /** The doc the error is about; absent for connection-level errors. */
  readonly doc: string | undefined
  constructor(code: SyncErrorCode, message: string, doc?: string) {
    super(`${message} (sync error: ${code}${doc === undefined ? '' : `, doc ${JSON.stringify(doc)}`})`)
    this.code = code
    this.doc = doc
  }
}

export function isWeftSyncError(e: unknown): e is WeftSyncError {
  return e instanceof WeftSyncError
}
