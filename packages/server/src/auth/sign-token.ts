import { sign } from 'hono/jwt'
import type { DocGrants } from './auth.js'

/** Claims of a token made by {@link signAccessToken}. */
export interface AccessTokenClaims {
  readonly sub: string
  readonly docs: DocGrants
  /** Lifetime in seconds from now (default 3600); negative values make an already expired token (tests). */
  readonly expiresInSeconds?: number
}

/**
 * Issues an HS256 token that the built-in JWT auth accepts, e.g. from an
 * app's backend after its own login.
 *
 * @example
 * ```ts
 * const token = await signAccessToken(secret, { sub: 'alice', docs: { 'note:*': 'write' } })
 * ```
 */
export function signAccessToken(secret: string, claims: AccessTokenClaims): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + (claims.expiresInSeconds ?? 3600)
  return sign({ sub: claims.sub, docs: { ...claims.docs }, exp }, secret, 'HS256')
}
