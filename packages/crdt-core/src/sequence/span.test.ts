import { describe, expect, it } from 'vitest'
import { sliceContent } from './span.js'

describe('sliceContent', () => {
  it('returns exactly the items start..end, for every length around where it copies instead of sharing', () => {
    const text = 'ab\u{1F600}cd\uD800é'.repeat(60) // emoji, a lone surrogate and Latin-1 among ASCII
    for (const start of [0, 1, 7, 100]) {
      for (const n of [1, 2, 12, 13, 14, 100, 255, 256, 257, 300]) {
        expect(sliceContent(text, start, start + n)).toBe(text.slice(start, start + n))
      }
      expect(sliceContent(text, start)).toBe(text.slice(start))
    }
    const items = [1, 'two', null, { three: 3 }]
    expect(sliceContent(items, 1, 3)).toEqual(['two', null])
    expect(sliceContent(items, 2)).toEqual([null, { three: 3 }])
  })
})
