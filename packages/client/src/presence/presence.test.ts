import { describe, expect, it } from 'vitest'
import { ManualTimers } from '../test-support/manual-timers.js'
import { Presence, fromServerPresence, toServerPresence } from './presence.js'

function setup() {
  const timers = new ManualTimers()
  const tabs: unknown[] = []
  const server: unknown[] = []
  let changes = 0
  const p = new Presence({
    timers,
    throttleMs: 100,
    heartbeatMs: 1000,
    timeoutMs: 3000,
    publishToTabs: (s) => tabs.push(s),
    publishToServer: (s) => server.push(s),
    onChange: () => changes++,
  })
  return { timers, p, tabs, server, changes: () => changes }
}

describe('Presence', () => {
  it('[CLIENT-PRES-1] set is throttled: first at once, then the latest state once per window', async () => {
    const { timers, p, server } = setup()
    p.set({ x: 1 })
    p.set({ x: 2 })
    p.set({ x: 3 })
    expect(server).toEqual([{ x: 1 }])
    await timers.advance(100)
    expect(server).toEqual([{ x: 1 }, { x: 3 }])
    await timers.advance(500)
    expect(server).toHaveLength(2)
  })

  it('[CLIENT-PRES-2] heartbeats keep tabs informed; a silent tab times out', async () => {
    const { timers, p, tabs } = setup()
    p.set('here')
    await timers.advance(2500)
    expect(tabs).toEqual(['here', 'here', 'here'])
    p.fromTab(42, { cursor: 1 })
    expect(p.others.get('tab:42')).toEqual({ cursor: 1 })
    await timers.advance(2000)
    p.fromTab(42, { cursor: 2 }) // heartbeat refreshes the timeout
    await timers.advance(2999)
    expect(p.others.get('tab:42')).toEqual({ cursor: 2 })
    await timers.advance(1)
    expect(p.others.has('tab:42')).toBe(false)
  })

  it('server peers leave when the session says so or the connection drops; close announces our leaving', () => {
    const { p, tabs, server } = setup()
    p.set('me')
    p.fromServer(7, { name: 'ann' })
    p.fromServer(8, { name: 'bob' })
    p.fromServer(7, null)
    expect([...p.others.keys()]).toEqual(['peer:8'])
    p.clearServerPeers()
    expect(p.others.size).toBe(0)
    p.close()
    expect(tabs.at(-1)).toBeNull()
    expect(server.at(-1)).toBeNull()
  })

  it('[CLIENT-PRES-5] a tab seen over BroadcastChannel and through the server is listed once, under tab:<id>', async () => {
    const { timers, p, changes } = setup()
    const sizes: number[] = []
    const seen = () => sizes.push(p.others.size)
    p.fromTab(42, { name: 'ann' })
    seen()
    p.fromServer(7, toServerPresence(42, { name: 'ann' }))
    seen()
    expect([...p.others]).toEqual([['tab:42', { name: 'ann' }]])
    // The tab channel times out (a throttled background tab) while the server still lists it: no flicker.
    await timers.advance(3000)
    seen()
    expect([...p.others.keys()]).toEqual(['tab:42'])
    // The connection drops while the tab channel still lists it: no flicker either.
    p.fromTab(42, { name: 'ann', caret: 3 })
    p.clearServerPeers()
    seen()
    expect(p.others.get('tab:42')).toEqual({ name: 'ann', caret: 3 })
    // It leaves on both: gone once the last source lets go.
    p.fromServer(7, toServerPresence(42, { name: 'ann', caret: 3 }))
    p.fromTab(42, null)
    expect(p.others.size).toBe(1)
    p.fromServer(7, null)
    expect(p.others.size).toBe(0)
    expect(sizes).toEqual([1, 1, 1, 1])
    expect(changes()).toBeGreaterThan(0)
  })

  it('[CLIENT-PRES-5] our state goes to the server with our tab id; a state without one stays peer:<id>', () => {
    const timers = new ManualTimers()
    const server: unknown[] = []
    const p = new Presence({ timers, tabId: 5, publishToTabs: () => undefined, publishToServer: (s) => server.push(s), onChange: () => undefined })
    p.set({ x: 1 })
    expect(server).toEqual([{ 'weft:tab': 5, state: { x: 1 } }])
    expect(fromServerPresence(server[0])).toEqual({ tab: 5, state: { x: 1 } })
    p.fromServer(9, { 'weft:tab': 'not a number', state: 1 })
    p.fromServer(10, 'plain')
    expect([...p.others.keys()]).toEqual(['peer:9', 'peer:10'])
    p.close()
    expect(server.at(-1)).toBeNull()
  })
})
