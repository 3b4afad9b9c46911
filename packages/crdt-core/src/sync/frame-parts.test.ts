import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessage } from './codec.js'
import { FrameAssembler, isPartFrame, splitFrame } from './frame-parts.js'
import { WeftSyncError } from './sync-error.js'

describe('frames in parts', () => {
  it('[PART-1] a frame cut into parts under the limit joins back to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.integer({ min: 4, max: 700 }), (body, limit) => {
        const frame = encodeMessage({ type: 'delta', doc: 'd', seq: 1, delta: body })
        const parts = splitFrame(frame, limit)
        const j = new FrameAssembler(1 << 20)
        let whole: Uint8Array | undefined
        for (const p of parts) {
          expect(p.length).toBeLessThanOrEqual(limit)
          whole = j.push(p)
        }
        expect(whole).toEqual(frame)
        expect(parts.length === 1 || parts.every(isPartFrame)).toBe(true)
      }),
    )
  })

  it('[PART-1] the joiner refuses a whole above its bound as soon as the parts pass it, and a frame between parts', () => {
    const frame = encodeMessage({ type: 'delta', doc: 'd', seq: 1, delta: new Uint8Array(5000) })
    const parts = splitFrame(frame, 1000)
    const j = new FrameAssembler(2500)
    expect(j.push(parts[0]!)).toBeUndefined()
    expect(j.push(parts[1]!)).toBeUndefined()
    expect(() => j.push(parts[2]!)).toThrow(expect.objectContaining({ code: 'too-large' }) as WeftSyncError)
    const k = new FrameAssembler(1 << 20)
    k.push(parts[0]!)
    expect(() => k.push(encodeMessage({ type: 'ping' }))).toThrow(WeftSyncError)
  })

  it('[PART-1] welcome states the limits; one without them still decodes', () => {
    const m = { type: 'welcome', peerId: 7, limits: { maxFrameBytes: 1 << 20, maxMessageBytes: 16 << 20 } } as const
    expect(decodeMessage(encodeMessage(m))).toEqual(m)
    expect(decodeMessage(encodeMessage({ type: 'welcome', peerId: 7 }))).toEqual({ type: 'welcome', peerId: 7 })
  })
})
