/**
 * Errors raised by @weft/client. One class per condition; `code` is a closed
 * set so an app can branch on it (show "storage full", "private mode", ...).
 */

/** Why a local storage operation failed. */
export type StorageErrorCode =
  | 'quota-exceeded' // the browser refused to store more bytes
  | 'connection-lost' // the database connection closed under us (tab suspended, storage cleared, upgrade)
  | 'unavailable' // the database could not be opened (private mode, disabled storage)
  | 'closed' // the storage was closed by the app
  | 'failed' // any other failure of the underlying store

/** A local storage failure. The doc keeps working in memory; failed writes are retried. */
export class WeftStorageError extends Error {
  override readonly name = 'WeftStorageError'
  readonly code: StorageErrorCode
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${message} (storage error: ${code})`, options)
    this.code = code
  }
}

/** True when `e` is a {@link WeftStorageError}. */
export function isWeftStorageError(e: unknown): e is WeftStorageError {
  return e instanceof WeftStorageError
}

/** Map whatever a store threw (DOMException, idb error, ...) to a {@link WeftStorageError}. */
export function toStorageError(e: unknown, fallback: StorageErrorCode = 'failed'): WeftStorageError {
  if (e instanceof WeftStorageError) return e
  const name = typeof e === 'object' && e !== null && 'name' in e ? String(e.name) : ''
  const message = e instanceof Error ? e.message : String(e)
  if (name === 'QuotaExceededError') return new WeftStorageError('quota-exceeded', message, { cause: e })
  // InvalidStateError: "The database connection is closing"; TransactionInactiveError after a close.
  if (name === 'InvalidStateError' || name === 'TransactionInactiveError') return new WeftStorageError('connection-lost', message, { cause: e })
  return new WeftStorageError(fallback, message, { cause: e })
}

/** Why the server refused this client's token. */
export type AuthErrorReason =
  | 'missing-token' // no token was sent: pass `token` to createClient
  | 'expired-token' // the token's `exp` passed: the token function must return a fresh one
  | 'invalid-token' // forged, malformed or signed with another secret
  | 'token-unavailable' // the token function threw or rejected
  | 'refused' // the server's own auth hook refused it for another reason

/**
 * The server refused the connection's token. The client keeps reconnecting
 * (asking the token function again each time); writes wait in the outbox and
 * `whenSaved('server')` rejects with this until a token is accepted.
 */
export class WeftAuthError extends Error {
  override readonly name = 'WeftAuthError'
  readonly reason: AuthErrorReason
  constructor(reason: AuthErrorReason, message: string, options?: { cause?: unknown }) {
    super(`${message} (auth error: ${reason}); the client retries with a fresh token from its token function`, options)
    this.reason = reason
  }
}

/** True when `e` is a {@link WeftAuthError}. */
export function isWeftAuthError(e: unknown): e is WeftAuthError {
  return e instanceof WeftAuthError
}

/** The reason in the server's `unauthorized` message ("expired-token: token expired", "token expired; reconnect ..."). */
export function authReasonOf(message: string): AuthErrorReason {
  for (const r of ['missing-token', 'expired-token', 'invalid-token'] as const) if (message.startsWith(`${r}:`)) return r
  if (/expired/i.test(message)) return 'expired-token'
  return 'refused'
}
