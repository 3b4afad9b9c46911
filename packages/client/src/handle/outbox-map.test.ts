import { describe, expect, it } from 'vitest'
import { OutboxMap } from './outbox-map.js'

describe('OutboxMap', () => {
  it('trims the stored outbox only up to seqs both acked and written, in order', () => {
    const m = new OutboxMap()
    for (const seq of [1, 2, 3, 4]) m.add(seq)
    m.written(1, 10)
    m.written(2, 12) // another tab wrote clientSeq 11 in between
    m.acked(3)
    expect(m.takeTrimPoint()).toBe(12) // seq 3 is acked but not written yet
    expect(m.takeTrimPoint()).toBeUndefined()
    expect(m.unwritten).toBe(2)
    m.written(3, 13)
    expect(m.takeTrimPoint()).toBe(13)
    m.written(4, 14)
    expect(m.takeTrimPoint()).toBeUndefined() // 4 is not acked
    m.acked(4)
    expect(m.takeTrimPoint()).toBe(14)
    expect(m.unwritten).toBe(0)
  })
})
