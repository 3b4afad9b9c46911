import { verify } from 'hono/jwt'
import { AuthError, type Authenticate, type Authorize } from './auth.js'
import { grantsAllow, parseDocGrants } from './doc-patterns.js'

/** Options of {@link createJwtAuth}. */
export interface JwtAuthOptions {
  /** HS256 shared secret. */
  readonly secret: string
}

/**
 * Built-in auth from an HS256 JWT sent in `hello`. Claims:
 *
 * - `sub` (string, required): the principal id.
 * - `exp` (seconds, required): tokens without an expiry are refused.
 * - `docs` (required): doc pattern -> `"read"` | `"write"`. A pattern ending in
 *   `*` is a prefix (`"note:*"`, `"*"` for all), anything else an exact id.
 *   Access is the strongest grant of any matching pattern; `write` implies `read`.
 *
 * @example
 * ```ts
 * // { "sub": "alice", "exp": 1767225600, "docs": { "note:*": "write", "public:*": "read" } }
 * const { authenticate, authorize } = createJwtAuth({ secret: process.env.WEFT_JWT_SECRET! })
 * ```
 */
export function createJwtAuth(options: JwtAuthOptions): { authenticate: Authenticate; authorize: Authorize } {
  if (options.secret.length === 0) throw new Error('JWT secret must not be empty')
  const authenticate: Authenticate = async (token) => {
    if (token === undefined || token === '') throw new AuthError('missing-token', 'a token is required')
    let payload: Record<string, unknown>
    try {
      payload = await verify(token, options.secret, { alg: 'HS256' })
    } catch (error) {
      // hono's messages embed the token; never pass them on.
      const expired = error instanceof Error && error.name === 'JwtTokenExpired'
      throw expired ? new AuthError('expired-token', 'token expired') : new AuthError('invalid-token', 'token rejected')
    }
    if (typeof payload.exp !== 'number') throw new AuthError('invalid-token', 'token has no exp claim')
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthError('invalid-token', 'token has no sub claim')
    const docs = parseDocGrants(payload.docs)
    if (!docs) throw new AuthError('invalid-token', 'token has no valid docs claim')
    return { id: payload.sub, docs, expiresAt: payload.exp * 1000 }
  }
  const authorize: Authorize = (principal, docId, access) => grantsAllow(principal.docs, docId, access)
  return { authenticate, authorize }
}
