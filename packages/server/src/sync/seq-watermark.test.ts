import { describe, expect, it } from 'vitest'
import { SeqWatermark } from './seq-watermark.js'

describe('SeqWatermark', () => {
  it('advances only through contiguous seqs', () => {
    const w = new SeqWatermark(3)
    w.see(5)
    expect(w.value).toBe(3)
    w.see(4)
    expect(w.value).toBe(5)
    w.see(2)
    w.see(7)
    expect(w.value).toBe(5)
  })
})
