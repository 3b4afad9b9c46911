import type { Logger } from 'pino'
import type { Authenticate, Authorize } from './auth/auth.js'
import { grantsAllow } from './auth/doc-patterns.js'
import { createJwtAuth } from './auth/jwt-auth.js'
import { OPEN_MODE_WARNING, createOpenAuth } from './auth/open-auth.js'
import type { ServerOptions } from './server-options.js'

/** Picks custom hooks, else JWT, else open dev mode (announced with one loud line). */
export function resolveAuth(options: ServerOptions, logger: Logger): { authenticate: Authenticate; authorize: Authorize } {
  const defaultAuthorize: Authorize = (p, doc, access) => grantsAllow(p.docs, doc, access)
  if (options.authenticate) return { authenticate: options.authenticate, authorize: options.authorize ?? defaultAuthorize }
  if (options.jwtSecret !== undefined && options.jwtSecret !== '') {
    const jwt = createJwtAuth({ secret: options.jwtSecret })
    return { authenticate: jwt.authenticate, authorize: options.authorize ?? jwt.authorize }
  }
  logger.warn(OPEN_MODE_WARNING)
  const open = createOpenAuth()
  return { authenticate: open.authenticate, authorize: options.authorize ?? open.authorize }
}
