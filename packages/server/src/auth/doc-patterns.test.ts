import { describe, expect, it } from 'vitest'
import { accessFor, grantsAllow, matchesDocPattern, parseDocGrants } from './doc-patterns.js'

describe('doc patterns', () => {
  it('matches exact ids, prefixes and the wildcard', () => {
    expect(matchesDocPattern('note:1', 'note:1')).toBe(true)
    expect(matchesDocPattern('note:1', 'note:10')).toBe(false)
    expect(matchesDocPattern('note:*', 'note:10')).toBe(true)
    expect(matchesDocPattern('note:*', 'notes:1')).toBe(false)
    expect(matchesDocPattern('*', 'anything')).toBe(true)
  })

  it('grants the strongest matching access; write implies read', () => {
    const grants = { 'note:*': 'write', 'public:*': 'read', 'note:ro': 'read' } as const
    expect(accessFor(grants, 'note:ro')).toBe('write')
    expect(accessFor(grants, 'public:x')).toBe('read')
    expect(accessFor(grants, 'secret:x')).toBeUndefined()
    expect(grantsAllow(grants, 'note:1', 'read')).toBe(true)
    expect(grantsAllow(grants, 'public:1', 'write')).toBe(false)
    expect(grantsAllow(undefined, 'note:1', 'read')).toBe(false)
  })

  it('accepts only a map of patterns to read/write', () => {
    expect(parseDocGrants({ 'a:*': 'read' })).toEqual({ 'a:*': 'read' })
    expect(parseDocGrants({ 'a:*': 'admin' })).toBeUndefined()
    expect(parseDocGrants(['a'])).toBeUndefined()
    expect(parseDocGrants(null)).toBeUndefined()
  })
})
