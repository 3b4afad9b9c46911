import { describe, expect, it } from 'vitest'
import { checkSet } from './set-checker.js'

describe('checkSet (Jepsen set-full style)', () => {
  it('passes a history where every acked element is everywhere once, and reports lost, duplicated, unexpected, never-read and stale', () => {
    const writes = [{ element: 'a', ackedAt: 1 }, { element: 'b', ackedAt: 2 }, { element: 'c' }, { element: 'd' }]
    const good = checkSet({
      writes,
      finalReads: [
        { replica: 'n1', at: 100, elements: ['a', 'b', 'c'] },
        { replica: 'c1', at: 100, elements: ['b', 'a', 'c'] },
      ],
    })
    expect(good).toMatchObject({ ok: true, lost: [], duplicated: [], neverRead: ['d'], acked: 2 })
    const bad = checkSet({
      writes,
      finalReads: [
        { replica: 'n1', at: 100, elements: ['a', 'a', 'x'] },
        { replica: 'n2', at: 100, elements: ['a', 'b'] },
      ],
      reads: [{ replica: 'c1', at: 10_000, elements: ['a'] }],
    })
    expect(bad).toMatchObject({ ok: false, lost: ['b @ n1'], duplicated: ['a'], unexpected: ['x'], stale: 1 })
  })
})
