import { describe, expect, it } from 'vitest'
import { backoffDelay } from './backoff.js'

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, with half of each delay jittered', () => {
    const lo = (a: number) => backoffDelay(a, { baseMs: 100, maxMs: 1000, random: () => 0 })
    const hi = (a: number) => backoffDelay(a, { baseMs: 100, maxMs: 1000, random: () => 0.999999 })
    expect([0, 1, 2, 3, 4, 10].map(lo)).toEqual([50, 100, 200, 400, 500, 500])
    expect([0, 1, 2, 3, 4, 10].map(hi)).toEqual([100, 200, 400, 800, 1000, 1000])
  })
})
