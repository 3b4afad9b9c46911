import { describe, expect, it } from 'vitest'
import { compareReplicas, type ReplicaView } from './replica-compare.js'

const view = (replica: string, vv: Record<number, number>, digest: string, lagMs: Record<string, number> = {}): ReplicaView => ({
  replica,
  entry: { doc: 'd', seq: 1, vv, digest },
  lagMs,
})

describe('compareReplicas', () => {
  it('[AUDIT-4] equal version vectors and digests: nothing', () => {
    expect(compareReplicas('d', [view('a', { 1: 3 }, 'x'), view('b', { 1: 3 }, 'x')])).toEqual([])
  })

  it('[AUDIT-4] two replicas, same vv, other digests: diverged on both, unrepairable without --trust; --trust names the healthy one', () => {
    const views = [view('a', { 1: 3 }, 'aaaa'), view('b', { 1: 3 }, 'bbbb')]
    const f = compareReplicas('d', views)
    expect(f.map((x) => [x.check, x.replica, x.fix, x.unrepairable !== undefined])).toEqual([
      ['replica-diverged', 'a', undefined, true],
      ['replica-diverged', 'b', undefined, true],
    ])
    expect(compareReplicas('d', views, 'a').map((x) => [x.replica, x.fix])).toEqual([['b', { kind: 'replace', from: 'a', to: 'b' }]])
  })

  it("[AUDIT-4] concurrent writes cut apart: each side lags by the other's dots and is re-sent from it", () => {
    const f = compareReplicas('d', [view('a', { 1: 3, 2: 1 }, 'x', { b: 5000 }), view('b', { 1: 1, 2: 4 }, 'y')])
    expect(f.map((x) => [x.replica, x.message, x.fix])).toEqual([
      ['a', 'a lacks 3 dot(s) (2:2-4) held by b; a last caught up with b 5.0 s ago', { kind: 'resend', from: ['b'], to: 'a' }],
      ['b', 'b lacks 2 dot(s) (1:2-3) held by a', { kind: 'resend', from: ['a'], to: 'b' }],
    ])
  })
})
