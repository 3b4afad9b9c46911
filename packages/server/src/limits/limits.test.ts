import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, resolveLimits } from './limits.js'

describe('resolveLimits', () => {
  it('fills defaults (1 MiB frames) and keeps overrides', () => {
    expect(resolveLimits().maxFrameBytes).toBe(1024 * 1024)
    expect(resolveLimits({ maxDocsPerConnection: 3 })).toEqual({ ...DEFAULT_LIMITS, maxDocsPerConnection: 3 })
  })

  it('rejects nonsense', () => {
    expect(() => resolveLimits({ maxFrameBytes: 0 })).toThrow(RangeError)
    expect(() => resolveLimits({ helloTimeoutMs: Number.NaN })).toThrow(RangeError)
  })
})
