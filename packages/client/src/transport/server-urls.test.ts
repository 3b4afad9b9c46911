import { describe, expect, it } from 'vitest'
import { urlRotation } from './server-urls.js'

describe('urlRotation', () => {
  it('keeps a single URL, asks a function every time, and walks a list in turn from a random start', () => {
    const one = urlRotation('ws://a')
    one.moveOn()
    expect(one.current()).toBe('ws://a')
    let n = 0
    const fn = urlRotation(() => `ws://n${++n}`)
    expect([fn.current(), fn.current()]).toEqual(['ws://n1', 'ws://n2'])
    const list = urlRotation(['ws://a', 'ws://b', 'ws://c'], () => 0.5)
    const seen: string[] = []
    for (let k = 0; k < 4; k++) {
      seen.push(list.current())
      list.moveOn()
    }
    expect(seen).toEqual(['ws://b', 'ws://c', 'ws://a', 'ws://b'])
    expect(() => urlRotation([])).toThrow(RangeError)
  })
})
