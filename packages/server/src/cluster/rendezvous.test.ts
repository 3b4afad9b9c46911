import { describe, expect, it } from 'vitest'
import { rendezvousOwner } from './rendezvous.js'

describe('rendezvousOwner', () => {
  const keys = Array.from({ length: 3000 }, (_, i) => `doc:${i}`)

  it('spreads keys evenly and answers the same whatever the order of the nodes', () => {
    const nodes = ['n1', 'n2', 'n3']
    const counts = new Map<string, number>()
    for (const k of keys) {
      const owner = rendezvousOwner(k, nodes)!
      expect(rendezvousOwner(k, [...nodes].reverse())).toBe(owner)
      counts.set(owner, (counts.get(owner) ?? 0) + 1)
    }
    for (const n of nodes) expect(counts.get(n)).toBeGreaterThan(850)
    expect(rendezvousOwner('x', [])).toBeUndefined()
  })

  it('moves only the keys of a node that left, and about a quarter when a fourth joins', () => {
    const before = keys.map((k) => rendezvousOwner(k, ['n1', 'n2', 'n3']))
    const after = keys.map((k) => rendezvousOwner(k, ['n1', 'n3']))
    keys.forEach((_, i) => {
      if (before[i] !== 'n2') expect(after[i]).toBe(before[i])
    })
    const joined = keys.map((k) => rendezvousOwner(k, ['n1', 'n2', 'n3', 'n4']))
    const moved = joined.filter((o, i) => o !== before[i])
    expect(moved.every((o) => o === 'n4')).toBe(true)
    expect(moved.length).toBeGreaterThan(600)
    expect(moved.length).toBeLessThan(900)
  })
})
