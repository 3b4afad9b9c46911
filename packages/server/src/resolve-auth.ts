import type { Logger } from 'pino'
import type { Authenticate, Authorize, Principal } from './auth/auth.js'
import { grantsAllow } from './auth/doc-patterns.js'
import { createJwtAuth } from './auth/jwt-auth.js'
import { OPEN_MODE_WARNING, createOpenAuth } from './auth/open-auth.js'
import type { ServerOptions } from './server-options.js'

/** The auth hooks a server runs with. */
export interface ResolvedAuth {
  readonly authenticate: Authenticate
  readonly authorize: Authorize
  /** [BIND-1] whom a principal's replicas are bound to: its id; undefined in open mode, which has no identity. */
  readonly replicaOwner: (principal: Principal) => string | undefined
}

/** [BIND-1] with authentication, a replica belongs to the principal id (the JWT `sub`) that wrote it first. */
const byPrincipalId = (p: Principal): string => p.id

/** Picks custom hooks, else JWT, else open dev mode (announced with one loud line). */
export function resolveAuth(options: ServerOptions, logger: Logger): ResolvedAuth {
  const defaultAuthorize: Authorize = (p, doc, access) => grantsAllow(p.docs, doc, access)
  if (options.authenticate) return { authenticate: options.authenticate, authorize: options.authorize ?? defaultAuthorize, replicaOwner: byPrincipalId }
  if (options.jwtSecret !== undefined && options.jwtSecret !== '') {
    const jwt = createJwtAuth({ secret: options.jwtSecret })
    return { authenticate: jwt.authenticate, authorize: options.authorize ?? jwt.authorize, replicaOwner: byPrincipalId }
  }
  logger.warn(OPEN_MODE_WARNING)
  const open = createOpenAuth()
  // Open mode: every connection is the same anonymous principal, so a binding could tell nobody apart.
  return { authenticate: open.authenticate, authorize: options.authorize ?? open.authorize, replicaOwner: () => undefined }
}
