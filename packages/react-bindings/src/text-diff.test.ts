import { describe, expect, it } from 'vitest'
import { diffText, mapCaret } from './text-diff.js'

describe('diffText', () => {
  it('finds one splice between two strings', () => {
    expect(diffText('hello', 'help!')).toEqual({ index: 3, deleted: 2, inserted: 'p!' })
    expect(diffText('', 'abc')).toEqual({ index: 0, deleted: 0, inserted: 'abc' })
    expect(diffText('abc', '')).toEqual({ index: 0, deleted: 3, inserted: '' })
    expect(diffText('same', 'same')).toEqual({ index: 4, deleted: 0, inserted: '' })
  })

  it('uses the caret to place an edit inside repeated characters', () => {
    // Typing "a" at 1 in "aa": without the caret it looks like an append at 2.
    expect(diffText('aa', 'aaa')).toEqual({ index: 2, deleted: 0, inserted: 'a' })
    expect(diffText('aa', 'aaa', 2)).toEqual({ index: 1, deleted: 0, inserted: 'a' })
    // Backspace at 1 in "aaa" leaves the caret at 0.
    expect(diffText('aaa', 'aa', 0)).toEqual({ index: 0, deleted: 1, inserted: '' })
  })

  it('applying the splice always yields the new string (seeded random pairs)', () => {
    const seed = 0x5eed
    let s = seed
    const rnd = (n: number): number => {
      s = (s * 1103515245 + 12345) % 2 ** 31
      return s % n
    }
    const word = (): string => Array.from({ length: rnd(6) }, () => 'ab'[rnd(2)]).join('')
    for (let i = 0; i < 500; i++) {
      const a = word()
      const b = word()
      const caret = rnd(b.length + 1)
      const { index, deleted, inserted } = diffText(a, b, caret)
      const applied = a.slice(0, index) + inserted + a.slice(index + deleted)
      expect(applied, `seed ${seed} case ${i}: ${a} -> ${b} caret ${caret}`).toBe(b)
    }
  })
})

describe('mapCaret', () => {
  it('keeps a caret before a remote insert and shifts one after it', () => {
    expect(mapCaret(2, 'hello', 'heXXllo')).toBe(2)
    expect(mapCaret(4, 'hello', 'heXXllo')).toBe(6)
    expect(mapCaret(5, 'hello world', 'oh hello world')).toBe(8)
  })

  it('moves a caret inside a remotely deleted range to its start', () => {
    expect(mapCaret(3, 'hello', 'ho')).toBe(1)
    expect(mapCaret(5, 'hello', 'ho')).toBe(2)
  })
})
