import { describe, expect, it } from 'vitest'
import { ManualTimers } from '../test-support/manual-timers.js'
import { Presence } from './presence.js'

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
})
