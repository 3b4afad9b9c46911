import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'

/**
 * The concurrent-formatting examples of the Peritext paper (Litt, Lim,
 * Kleppmann, van Hardenberg, CSCW 2022), each as two replicas that edit
 * concurrently and then exchange deltas: both must show the same spans, and
 * the spans the paper asks for.
 */

function pair(text: string): [Doc, Doc] {
  const a = new Doc({ replicaId: 1 })
  a.getText('t').insert(0, text)
  const b = Doc.load(a.encodeState(), { replicaId: 2 })
  return [a, b]
}

/** Exchanges everything each lacks; returns the spans, checked equal on both. */
function merge(a: Doc, b: Doc): unknown {
  const toB = a.encodeDeltaSince(b.versionVector())
  const toA = b.encodeDeltaSince(a.versionVector())
  b.applyDelta(toB)
  a.applyDelta(toA)
  expect(a.getText('t').toDelta()).toEqual(b.getText('t').toDelta())
  expect(a.digest()).toBe(b.digest())
  return a.getText('t').toDelta()
}

describe('Peritext examples', () => {
  it('example 1: overlapping bold and italic combine (bold "The quick", italic "quick fox")', () => {
    const [a, b] = pair('The quick fox')
    a.getText('t').format(0, 9, { bold: true })
    b.getText('t').format(4, 9, { italic: true })
    expect(merge(a, b)).toEqual([
      { insert: 'The ', attributes: { bold: true } },
      { insert: 'quick', attributes: { bold: true, italic: true } },
      { insert: ' fox', attributes: { italic: true } },
    ])
  })

  it('example 2: overlapping bold on one key is the union of both ranges', () => {
    const [a, b] = pair('The quick fox jumped')
    a.getText('t').format(0, 9, { bold: true })
    b.getText('t').format(4, 9, { bold: true })
    expect(merge(a, b)).toEqual([{ insert: 'The quick fox', attributes: { bold: true } }, { insert: ' jumped' }])
  })

  it('[MARK-1] example 3: bold and a concurrent unbold of an overlapping range resolve the same way on both replicas, by Lamport order', () => {
    const [a, b] = pair('The quick fox jumped')
    a.getText('t').format(0, 20, { bold: true })
    // Bob has seen one more op (a later Lamport time): his unbold wins where they overlap.
    b.getMap('m').set('x', 1)
    b.getText('t').unformat(4, 9, 'bold')
    expect(merge(a, b)).toEqual([{ insert: 'The ', attributes: { bold: true } }, { insert: 'quick fox' }, { insert: ' jumped', attributes: { bold: true } }])
  })

  it('example 4: an unbold made after seeing the bold wins inside its range only', () => {
    const [a, b] = pair('The quick fox jumped')
    a.getText('t').format(0, 20, { bold: true })
    merge(a, b)
    b.getText('t').unformat(4, 5, 'bold')
    a.getText('t').insert(20, '!')
    expect(merge(a, b)).toEqual([{ insert: 'The ', attributes: { bold: true } }, { insert: 'quick' }, { insert: ' fox jumped!', attributes: { bold: true } }])
  })

  it('[MARK-1] example 5: conflicting links on overlapping ranges: the overlap takes one link, not a mix', () => {
    const [a, b] = pair('The fox jumped')
    a.getText('t').format(0, 7, { link: 'https://a.example' })
    b.getText('t').format(4, 10, { link: 'https://b.example' })
    // Equal Lamport times: the higher replica id (b, 2) wins the overlap, whole.
    expect(merge(a, b)).toEqual([
      { insert: 'The ', attributes: { link: 'https://a.example' } },
      { insert: 'fox jumped', attributes: { link: 'https://b.example' } },
    ])
  })

  it('example 6: text typed concurrently inside a bolded range is bold', () => {
    const [a, b] = pair('The fox')
    a.getText('t').format(0, 7, { bold: true })
    b.getText('t').insert(4, 'quick ')
    expect(merge(a, b)).toEqual([{ insert: 'The quick fox', attributes: { bold: true } }])
  })

  it('example 7: text typed at the end of bold grows the bold (expand after), also concurrently', () => {
    const [a, b] = pair('The fox jumped')
    a.getText('t').format(4, 3, { bold: true })
    b.getText('t').insert(7, 'es')
    expect(merge(a, b)).toEqual([{ insert: 'The ' }, { insert: 'foxes', attributes: { bold: true } }, { insert: ' jumped' }])
    a.getText('t').insert(9, '!')
    expect(merge(a, b)).toEqual([{ insert: 'The ' }, { insert: 'foxes!', attributes: { bold: true } }, { insert: ' jumped' }])
  })

  it('example 8: text typed at the end of a link does not join the link; at its start neither', () => {
    const [a, b] = pair('The fox jumped')
    a.getText('t').format(4, 3, { link: 'https://fox.example' })
    b.getText('t').insert(7, 'es')
    merge(a, b)
    a.getText('t').insert(4, 'a ')
    expect(merge(a, b)).toEqual([{ insert: 'The a ' }, { insert: 'fox', attributes: { link: 'https://fox.example' } }, { insert: 'es jumped' }])
  })

  it('example 9: bold at the end of the text grows as text is appended; a link there does not', () => {
    const [a, b] = pair('bold link')
    a.getText('t').format(0, 4, { bold: true })
    a.getText('t').format(5, 4, { link: 'L' })
    merge(a, b)
    b.getText('t').insert(9, '!')
    b.getText('t').insert(4, 'er')
    expect(merge(a, b)).toEqual([
      { insert: 'bolder', attributes: { bold: true } },
      { insert: ' ' },
      { insert: 'link', attributes: { link: 'L' } },
      { insert: '!' },
    ])
  })

  it('example 10: a deleted range’s marks do not resurrect when text is typed where it was', () => {
    const [a, b] = pair('The fox jumped')
    a.getText('t').format(4, 3, { bold: true })
    b.getText('t').delete(4, 3)
    merge(a, b)
    a.getText('t').insert(4, 'cat')
    expect(merge(a, b)).toEqual([{ insert: 'The cat jumped' }])
  })

  it('example 11: formatting and deleting the same text concurrently leaves the rest unformatted', () => {
    const [a, b] = pair('The quick fox')
    a.getText('t').format(4, 9, { bold: true })
    b.getText('t').delete(4, 6)
    expect(merge(a, b)).toEqual([{ insert: 'The ' }, { insert: 'fox', attributes: { bold: true } }])
  })

  it('a comment mark and bold on the same text are independent keys', () => {
    const [a, b] = pair('abc')
    a.getText('t').format(0, 3, { comment: { id: 'c1' } })
    b.getText('t').format(1, 1, { bold: true })
    expect(merge(a, b)).toEqual([
      { insert: 'a', attributes: { comment: { id: 'c1' } } },
      { insert: 'b', attributes: { bold: true, comment: { id: 'c1' } } },
      { insert: 'c', attributes: { comment: { id: 'c1' } } },
    ])
  })
})
