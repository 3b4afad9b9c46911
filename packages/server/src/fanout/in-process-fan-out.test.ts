import { describe, expect, it } from 'vitest'
import { InProcessFanOut } from './in-process-fan-out.js'

describe('InProcessFanOut', () => {
  it('delivers per doc, survives a throwing listener, and forgets empty docs', () => {
    const errors: unknown[] = []
    const f = new InProcessFanOut<string>((e) => errors.push(e))
    const got: string[] = []
    const offA = f.subscribe('a', (e) => got.push(`1:${e}`))
    f.subscribe('a', () => {
      throw new Error('boom')
    })
    const offB = f.subscribe('b', (e) => got.push(`b:${e}`))
    f.publish('a', 'x')
    f.publish('b', 'y')
    f.publish('c', 'z')
    expect(got).toEqual(['1:x', 'b:y'])
    expect(errors).toHaveLength(1)
    offA()
    offB()
    expect(f.docCount).toBe(1)
  })
})
