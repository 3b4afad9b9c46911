import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    let t = 0
    const b = new TokenBucket(10, 5, () => t)
    expect(Array.from({ length: 6 }, () => b.take())).toEqual([true, true, true, true, true, false])
    t += 100 // 10/s -> one token per 100 ms
    expect(b.take()).toBe(true)
    expect(b.take()).toBe(false)
    t += 10_000 // refills only up to the burst
    expect(Array.from({ length: 6 }, () => b.take()).filter(Boolean)).toHaveLength(5)
  })
})
