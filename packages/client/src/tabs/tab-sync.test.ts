import { afterEach, describe, expect, it } from 'vitest'
import { FakeDoc } from '../test-support/fake-doc.js'
import { until } from '../test-support/until.js'
import { broadcastChannelFactory } from './tab-channel.js'
import { TabSync } from './tab-sync.js'

const open: TabSync[] = []
afterEach(() => open.splice(0).forEach((t) => t.close()))

function tab(name: string) {
  const factory = broadcastChannelFactory()
  if (!factory) throw new Error('Node 20 has BroadcastChannel')
  const doc = new FakeDoc()
  const presence = new Map<number, unknown>()
  const sync = new TabSync({ channel: factory(name), doc, onPresence: (t, s) => presence.set(t, s) })
  doc.on('delta', (b) => sync.broadcast(b))
  open.push(sync)
  return { doc, sync, presence }
}

describe('TabSync over BroadcastChannel', () => {
  it('[CLIENT-TAB-1] tabs exchange deltas at once, with no server', async () => {
    const name = `t-${Math.random()}`
    const a = tab(name)
    const b = tab(name)
    expect(a.doc.replicaId).not.toBe(b.doc.replicaId)
    a.doc.add('from-a')
    b.doc.add('from-b')
    await until(() => a.doc.values().length === 2 && b.doc.values().length === 2, 'tabs to converge')
    expect(a.doc.values()).toEqual(b.doc.values())
  })

  it('[CLIENT-TAB-2] a late tab catches up from its peers with one version-vector exchange', async () => {
    const name = `t-${Math.random()}`
    const a = tab(name)
    for (let i = 0; i < 50; i++) a.doc.add(`a${i}`)
    const late = tab(name)
    late.doc.add('late-only') // the late tab has something the others lack, too
    late.sync.hello()
    await until(() => late.doc.values().length === 51 && a.doc.values().length === 51, 'late tab to catch up')
  })

  it('ignores malformed messages and messages for other tabs', async () => {
    const name = `t-${Math.random()}`
    const a = tab(name)
    const factory = broadcastChannelFactory()
    const raw = factory?.(name)
    raw?.post({ type: 'delta', from: 1, bytes: 'nope' })
    raw?.post({ type: 'sync', from: 1, to: 12345, vv: {}, bytes: new Uint8Array([1]) })
    raw?.post({ type: 'presence', from: 7, state: { cursor: 3 } })
    await until(() => a.presence.size === 1, 'presence')
    expect(a.presence.get(7)).toEqual({ cursor: 3 })
    expect(a.doc.values()).toEqual([])
    raw?.close()
  })
})
