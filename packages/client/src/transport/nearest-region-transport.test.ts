import { seededRandom } from '@weft/crdt-core'
import { describe, expect, it } from 'vitest'
import { NearestRegion } from '../regions/nearest-region.js'
import { MemoryNetwork } from './memory-transport.js'
import { nearestRegionTransport } from './nearest-region-transport.js'
import type { CloseInfo } from './types.js'

const SEED = Number(process.env.WEFT_SEED ?? 4242)

/** Seeded round trips: region i answers in about base[i] ms, give or take 20 %. */
function timings(base: readonly number[], seed: number): (i: number) => number {
  const rnd = seededRandom(seed)
  return (i) => (base[i] as number) * (0.8 + 0.4 * rnd())
}

describe(`NearestRegion (seed ${SEED})`, () => {
  it('[REGION-CLIENT-1] starts on the region that answers fastest and fails over to the next nearest at once', () => {
    const urls = ['ws://us', 'ws://eu', 'ws://ap']
    const rtt = timings([120, 15, 240], SEED)
    const c = new NearestRegion(urls, { now: () => 0 })
    for (let round = 0; round < 3; round++) urls.forEach((u, i) => c.probed(u, rtt(i)))
    expect(c.pickNearest()).toBe('ws://eu')
    expect(c.ranking()).toEqual(['ws://eu', 'ws://us', 'ws://ap'])
    c.failed('ws://eu')
    expect(c.current()).toBe('ws://us')
    c.failed('ws://us')
    expect(c.current()).toBe('ws://ap')
    // Every region down: keep trying them in turn, nearest first.
    c.failed('ws://ap')
    expect(urls).toContain(c.current())
  })

  it('[REGION-CLIENT-2] goes back to the nearest only after returnAfter answers in a row, past the dwell time, and when nearer by the margin: no flapping', () => {
    let now = 0
    const urls = ['ws://near', 'ws://far']
    const rtt = timings([20, 90], SEED + 1)
    const c = new NearestRegion(urls, { now: () => now, returnAfter: 3, dwellMs: 5_000, marginMs: 10 })
    urls.forEach((u, i) => c.probed(u, rtt(i)))
    expect(c.pickNearest()).toBe('ws://near')
    now = 1_000
    c.failed('ws://near')
    expect(c.current()).toBe('ws://far')
    // The near region flickers: up, down, up, down... it never gets 3 answers in a row, the client stays.
    const rnd = seededRandom(SEED + 2)
    let switches = 0
    for (let k = 0; k < 40; k++) {
      now += 500
      c.probed('ws://far', rtt(1))
      c.probed('ws://near', k % 2 === 0 || rnd() < 0.3 ? rtt(0) : undefined)
      if (k % 2 === 1) c.probed('ws://near', undefined)
      if (c.nearer() !== undefined) switches++
    }
    expect(switches).toBe(0)
    expect(c.current()).toBe('ws://far')
    // Back for good: after 3 answers in a row (and the dwell long past), one switch back.
    for (let k = 0; k < 2; k++) {
      c.probed('ws://near', rtt(0))
      expect(c.nearer()).toBeUndefined()
    }
    c.probed('ws://near', rtt(0))
    expect(c.nearer()).toBe('ws://near')
    expect(c.current()).toBe('ws://near')
    expect(c.nearer()).toBeUndefined()
  })

  it('[REGION-CLIENT-2] a region barely nearer than the current one (within the margin) is not worth a move', () => {
    let now = 0
    const c = new NearestRegion(['ws://a', 'ws://b'], { now: () => now, returnAfter: 1, dwellMs: 0, marginMs: 10 })
    c.probed('ws://a', 50)
    c.probed('ws://b', 60)
    c.pickNearest()
    c.failed('ws://a')
    expect(c.current()).toBe('ws://b')
    now = 10_000
    c.probed('ws://a', 55)
    c.probed('ws://b', 60)
    expect(c.nearer()).toBeUndefined()
  })
})

describe(`nearestRegionTransport over in-memory regions (seed ${SEED})`, () => {
  it('[REGION-CLIENT-1] [REGION-CLIENT-2] connects to the nearest, fails over when its connection drops, and moves back (as a drop the client reconnects from) once it is back', async () => {
    const nets = { 'mem://near': new MemoryNetwork(), 'mem://far': new MemoryNetwork() } as Record<string, MemoryNetwork>
    for (const n of Object.values(nets)) n.accept(() => {})
    const rtt = timings([10, 80], SEED + 3)
    let now = 0
    const switches: string[] = []
    const t = nearestRegionTransport({
      regions: Object.keys(nets),
      transportFor: (url) => (nets[url] as MemoryNetwork).transport,
      measure: async (url) => {
        if (!(nets[url] as MemoryNetwork).online) throw new Error('down')
        return rtt(url === 'mem://near' ? 0 : 1)
      },
      probeEveryMs: 60_000,
      now: () => now,
      returnAfter: 2,
      dwellMs: 1_000,
      onSwitch: (from, to, why) => switches.push(`${why} ${from} -> ${to}`),
    })
    const open = () => {
      const ev: { opened: boolean; closed: CloseInfo | undefined } = { opened: false, closed: undefined }
      const conn = t.connect({ onOpen: () => (ev.opened = true), onMessage: () => {}, onClose: (i) => (ev.closed = i) })
      return { conn, ev }
    }
    const settle = () => new Promise((r) => setTimeout(r, 5))
    const a = open()
    await settle()
    expect(a.ev.opened).toBe(true)
    expect(t.region()).toBe('mem://near')
    expect(nets['mem://near']?.connects).toBe(1)
    // The nearest region goes away: its connection drops, the next attempt goes to the far one.
    nets['mem://near']?.setOnline(false)
    await settle()
    expect(a.ev.closed).toBeDefined()
    expect(t.region()).toBe('mem://far')
    const b = open()
    await settle()
    expect(b.ev.opened).toBe(true)
    expect(nets['mem://far']?.connects).toBe(1)
    // Back, but not for long enough yet: the client stays.
    nets['mem://near']?.setOnline(true)
    now = 5_000
    await t.probeNow()
    expect(b.ev.closed).toBeUndefined()
    await t.probeNow()
    // Two answers in a row past the dwell time: the far connection ends as a drop, the next attempt is near.
    expect(b.ev.closed?.reason).toMatch(/moving back to the nearer region mem:\/\/near/)
    const c = open()
    await settle()
    expect(c.ev.opened).toBe(true)
    expect(nets['mem://near']?.connects).toBe(2)
    expect(switches).toEqual(['failover mem://near -> mem://far', 'return mem://far -> mem://near'])
    c.conn.close()
  })
})
