import { Doc } from '@weft/crdt-core'
import { describe, expect, it } from 'vitest'
import { normalizeSlug, readLink, settleLink, wantLink } from './short-link'

describe('short link state', () => {
  it('normalizes what people type into a slug', () => {
    expect(normalizeSlug('  Trip to Lisbon! ')).toBe('trip-to-lisbon')
    expect(normalizeSlug('/n/trip-to-lisbon')).toBe('trip-to-lisbon')
    expect(normalizeSlug('***')).toBe('')
  })

  it('goes none -> pending -> claimed or taken, and a new pick is pending again', () => {
    const doc = new Doc()
    expect(readLink(doc)).toEqual({ state: 'none' })
    wantLink(doc, 'trip', true)
    expect(readLink(doc)).toEqual({ state: 'pending', slug: 'trip', offline: true })
    settleLink(doc, 'trip', false)
    expect(readLink(doc)).toEqual({ state: 'taken', slug: 'trip', offline: true })
    wantLink(doc, 'trip-2', false)
    expect(readLink(doc)).toEqual({ state: 'pending', slug: 'trip-2', offline: false })
    settleLink(doc, 'trip-2', true)
    expect(readLink(doc)).toEqual({ state: 'claimed', slug: 'trip-2' })
  })
})
