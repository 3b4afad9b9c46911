import { describe, expect, it } from 'vitest'
import { ManualTimers } from '../test-support/manual-timers.js'
import { Presence } from './presence.js'

function setup(serverPeerId?: () => number | undefined) {
  const timers = new ManualTimers()
  const tabs: unknown[] = []
  const tabPeers: (number | undefined)[] = []
  const server: unknown[] = []
  let changes = 0
  const p = new Presence({
    timers,
    throttleMs: 100,
    heartbeatMs: 1000,
    timeoutMs: 3000,
    publishToTabs: (s, peer) => {
      tabs.push(s)
      tabPeers.push(peer)
    },
    ...(serverPeerId && { serverPeerId }),
    publishToServer: (s) => server.push(s),
    onChange: () => changes++,
  })
  return { timers, p, tabs, tabPeers, server, changes: () => changes }
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

  describe('[CLIENT-PRES-5] a tab beside us shows once, though it reaches us through the server too', () => {
    it('hides the server entry a tab names as its own, and only that one', () => {
      const { p } = setup()
      p.fromServer(900, { name: 'ann', caret: 3 })
      p.fromServer(901, { name: 'bob' })
      expect([...p.others.keys()]).toEqual(['peer:900', 'peer:901'])
      p.fromTab(42, { name: 'ann', caret: 4 }, 900)
      expect([...p.others.keys()].sort()).toEqual(['peer:901', 'tab:42'])
      // The server's copy of the tab's state moves on: still one entry, the tab's.
      p.fromServer(900, { name: 'ann', caret: 5 })
      expect([...p.others.keys()].sort()).toEqual(['peer:901', 'tab:42'])
      expect(p.others.get('tab:42')).toEqual({ name: 'ann', caret: 4 })
    })

    it('a tab that leaves does not come back as its server entry until the server says it left too', async () => {
      const { p, timers } = setup()
      p.fromTab(42, { name: 'ann' }, 900)
      p.fromServer(900, { name: 'ann' })
      p.fromTab(42, null)
      expect(p.others.size).toBe(0)
      p.fromServer(900, null)
      p.fromServer(900, { name: 'someone' }) // not reused in practice ([PRES-6]); if it were, it shows again
      expect([...p.others.keys()]).toEqual(['peer:900'])
      p.fromServer(900, null)
      // A tab that reconnects under a new id: its old entry stays hidden until it goes or times out.
      p.fromTab(43, { name: 'cy' }, 910)
      p.fromServer(910, { name: 'cy' })
      p.fromTab(43, { name: 'cy' }, 911)
      p.fromServer(911, { name: 'cy' })
      expect([...p.others.keys()]).toEqual(['tab:43'])
      // Silent for the timeout: the tab is gone here, and what the server still reports shows.
      await timers.advance(3000)
      expect([...p.others.keys()].sort()).toEqual(['peer:910', 'peer:911'])
    })

    it('names our own server peer id to the tabs, and tells them again when it changes', () => {
      let peer: number | undefined
      const { p, tabs, tabPeers } = setup(() => peer)
      p.set('me')
      expect(tabPeers).toEqual([undefined])
      peer = 77
      p.serverPeerChanged()
      expect(tabPeers).toEqual([undefined, 77])
      p.serverPeerChanged()
      expect(tabPeers).toHaveLength(2)
      peer = undefined // offline: we keep naming the last id (the server relays that it left)
      p.serverPeerChanged()
      p.resendToTabs()
      expect(tabPeers.at(-1)).toBe(77)
      peer = 78
      p.serverPeerChanged()
      expect(tabPeers.at(-1)).toBe(78)
      expect(tabs.every((t) => t === 'me')).toBe(true)
    })
  })
})
