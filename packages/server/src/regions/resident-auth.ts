import type { Authorize } from '../auth/auth.js'
import type { Residency } from './residency.js'

/**
 * [RESIDENCY-3] Wraps a server's `authorize` so a region outside a doc's
 * residency set refuses it (read and write) whatever the token grants, and
 * says why: the client gets `forbidden` with the residency message (which
 * regions to connect to instead).
 */
export function residentAuthorize(
  authorize: Authorize,
  residency: Residency,
  region: string,
): { authorize: Authorize; explainRefusal: (principal: Parameters<Authorize>[0], doc: string, access: 'read' | 'write') => string | undefined } {
  return {
    authorize: (p, doc, access) => residency.allows(doc, region) && authorize(p, doc, access),
    explainRefusal: (_p, doc) => residency.refusal(doc, region)?.message,
  }
}
