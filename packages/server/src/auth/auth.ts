/** What a principal may do with a doc. `write` implies `read`. */
export type Access = 'read' | 'write'

/** Doc patterns to access: `"note:42"` is exact, `"note:*"` a prefix, `"*"` every doc. */
export type DocGrants = Readonly<Record<string, Access>>

/** The authenticated party behind a connection. */
export interface Principal {
  /** Stable id (the JWT `sub`), used in logs. */
  readonly id: string
  /** Grants read by the built-in {@link Authorize}; custom hooks may ignore them. */
  readonly docs?: DocGrants
  /** When the credential lapses (ms since the epoch, e.g. the JWT `exp`); open connections are closed then ([AUTH-2]). */
  readonly expiresAt?: number
}

/** Why a token was refused. */
export type AuthErrorCode = 'missing-token' | 'invalid-token' | 'expired-token'

/** The one error an {@link Authenticate} hook throws to refuse a token. */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  constructor(
    readonly code: AuthErrorCode,
    message: string = code,
  ) {
    super(message)
  }
}

/** Guard for {@link AuthError}. */
export function isAuthError(e: unknown): e is AuthError {
  return e instanceof AuthError
}

/** Turns the token from a `hello` message into a principal, or throws {@link AuthError}. */
export type Authenticate = (token: string | undefined) => Promise<Principal>

/**
 * Decides whether a principal may read or write a doc. Synchronous: it runs on
 * every subscribe, inside the protocol state machine; look grants up at
 * `authenticate` time and keep them on the principal.
 */
export type Authorize = (principal: Principal, docId: string, access: Access) => boolean
