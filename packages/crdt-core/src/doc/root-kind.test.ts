import { describe, expect, it } from 'vitest'
import { WeftRootKindError } from '../errors.js'
import { Doc } from './doc.js'

describe('a root name keeps one kind', () => {
  it('throws a typed error naming both kinds when one replica asks for another kind', () => {
    const doc = new Doc()
    doc.getText('body').insert(0, 'hi')
    const err = (() => {
      try {
        doc.getList('body')
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(WeftRootKindError)
    expect(err).toMatchObject({ rootName: 'body', requested: 'list', existing: 'text' })
    expect((err as Error).message).toContain('getText("body")')
    // Nothing hidden was made: the text is the only root, and it is intact.
    expect(doc.getText('body').toString()).toBe('hi')
    expect(doc.toJSON()).toEqual({ body: 'hi' })
  })

  it('also when the other kind arrives in a merge: both stay stored, access names the clash', () => {
    const a = new Doc()
    const b = new Doc()
    a.getText('body').insert(0, 'from a')
    b.getList('body').push('from b')
    a.applyDelta(b.encodeState())
    expect(() => a.getText('body')).toThrow(WeftRootKindError)
    expect(() => a.getList('body')).toThrow(/root "body" is a text, but was asked for as a list/)
    // Other roots are unaffected.
    a.getMap('meta').set('k', 1)
    expect(a.getMap('meta').get('k')).toBe(1)
  })

  it('the same kind asked twice is the same root', () => {
    const doc = new Doc()
    expect(doc.getMap('m')).toBe(doc.getMap('m'))
  })
})
