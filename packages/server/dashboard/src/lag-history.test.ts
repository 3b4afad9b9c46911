import { describe, expect, it } from 'vitest'
import type { DashboardRegion } from '../../src/dashboard/dashboard-wire.js'
import { WINDOW_MS, emptyLagHistory, lastOf, peakOf, recordLag } from './lag-history.js'

const link = (peer: string, lagMs: number, reachable = true) => ({ peer, reachable, lagMs })
const region = (name: string, links: ReturnType<typeof link>[] | undefined): DashboardRegion => ({
  region: name,
  self: name === 'a',
  reachable: links !== undefined,
  links,
})

describe("the dashboard's lag series", () => {
  it('one aligned series per region pair; a pair whose region stops reporting gets gaps and is no longer known', () => {
    let h = recordLag(emptyLagHistory, [region('a', [link('c', 0)]), region('c', [link('a', 0)])], 1000)
    h = recordLag(h, [region('a', [link('c', 4500, false)]), region('c', undefined)], 2000)
    expect(h.times).toEqual([1000, 2000])
    expect(h.pairs.map((p) => [p.pair, p.values, p.known])).toEqual([
      ['c → a', [0, 4.5], true],
      ['a → c', [0, null], false],
    ])
    const ca = h.pairs[0]!
    expect([peakOf(ca), lastOf(ca), ca.link.reachable]).toEqual([4.5, 4.5, false])
    expect(lastOf(h.pairs[1]!)).toBeNull()
  })

  it('a pair seen for the first time starts with gaps, so every series stays as long as the times', () => {
    let h = recordLag(emptyLagHistory, [region('a', [link('b', 0)])], 1000)
    h = recordLag(h, [region('a', [link('b', 0), link('c', 2000)])], 2000)
    expect(h.pairs.map((p) => p.values)).toEqual([
      [0, 0],
      [null, 2],
    ])
    expect(new Set(h.pairs.map((p) => p.color)).size).toBe(2)
  })

  it('keeps the last two minutes only', () => {
    let h = emptyLagHistory
    for (let t = 0; t <= WINDOW_MS + 5000; t += 1000) h = recordLag(h, [region('a', [link('b', t)])], t)
    expect(h.times[0]).toBe(5000)
    expect(h.pairs[0]!.values.length).toBe(h.times.length)
    expect(h.pairs[0]!.values[0]).toBe(5)
  })
})
