import type { Access, DocGrants } from './auth.js'

/** `"note:*"` matches every id starting with `"note:"`; `"*"` matches all; anything else is exact. */
export function matchesDocPattern(pattern: string, docId: string): boolean {
  return pattern.endsWith('*') ? docId.startsWith(pattern.slice(0, -1)) : pattern === docId
}

/**
 * The strongest access any matching pattern grants, or `undefined`.
 * Grants only add up (there is no "deny"), so the order of patterns never matters.
 */
export function accessFor(grants: DocGrants | undefined, docId: string): Access | undefined {
  let best: Access | undefined
  for (const [pattern, access] of Object.entries(grants ?? {})) {
    if (!matchesDocPattern(pattern, docId)) continue
    if (access === 'write') return 'write'
    best = 'read'
  }
  return best
}

/** True when `grants` allow `access` on `docId`. */
export function grantsAllow(grants: DocGrants | undefined, docId: string, access: Access): boolean {
  const granted = accessFor(grants, docId)
  return granted === 'write' || (granted === 'read' && access === 'read')
}

/** Validates an untrusted `docs` claim; `undefined` when it is not a pattern -> access map. */
export function parseDocGrants(value: unknown): DocGrants | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const out: Record<string, Access> = {}
  for (const [pattern, access] of Object.entries(value)) {
    if (access !== 'read' && access !== 'write') return undefined
    out[pattern] = access
  }
  return out
}
