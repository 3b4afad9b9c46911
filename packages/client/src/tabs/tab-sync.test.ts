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
  const applied: Uint8Array[] = []
  const sync = new TabSync({ channel: factory(name), doc, onPresence: (t, s) => presence.set(t, s), onApplied: (b) => applied.push(b) })
  doc.on('delta', (b) => sync.broadcast(b))
  open.push(sync)
  return { doc, sync, presence, applied }
}

/** A raw channel that records what the tabs post. */
function listener(name: string) {
  const ch = broadcastChannelFactory()!(name)
  const seen: { type: string; from: number }[] = []
  ch.onMessage((m) => seen.push(m as { type: string; from: number }))
  return { ch, seen }
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

  it('[CLIENT-TAB-8] a delta whose causal past is missing is dropped, and the peers are asked for the gap', async () => {
    const name = `t-${Math.random()}`
    const writer = new FakeDoc()
    const edits: Uint8Array[] = []
    writer.on('delta', (b) => edits.push(b))
    writer.add('w0') // posted before the late tab opened: it never sees this one
    writer.add('w1')
    writer.add('w2')
    const late = tab(name)
    const raw = listener(name)
    const hellos = () => raw.seen.filter((m) => m.type === 'hello' && m.from === late.doc.replicaId).length
    late.sync.hello() // loaded
    await until(() => hellos() === 1, 'the first hello')
    raw.ch.post({ type: 'delta', from: writer.replicaId, bytes: edits[1]! })
    raw.ch.post({ type: 'delta', from: writer.replicaId, bytes: edits[2]! })
    await until(() => hellos() === 2, 'the late tab to ask for the gap')
    // Neither waiting in the causal buffer nor stored: its writer may be gone with the gap for good.
    expect(late.doc.pendingCount).toBe(0)
    expect(late.applied).toEqual([])
    // Asked once for its vector: the second delta of the same gap asks nothing more.
    raw.ch.post({ type: 'presence', from: writer.replicaId, state: 'marker' })
    await until(() => late.presence.get(writer.replicaId) === 'marker', 'later messages to arrive')
    expect(hellos()).toBe(2)
    // A writer that is alive answers the hello with the gap and the dropped delta.
    raw.ch.post({
      type: 'sync',
      from: writer.replicaId,
      to: late.doc.replicaId,
      vv: writer.versionVector(),
      bytes: writer.encodeDeltaSince(late.doc.versionVector()),
    })
    await until(() => late.doc.values().length === 3, 'the late tab to get the gap')
    expect(late.doc.values()).toEqual(['w0', 'w1', 'w2'])
    expect(late.applied).toHaveLength(1)
    raw.ch.close()
  })

  it('[CLIENT-TAB-8] a delta with a gap that comes while the doc loads is retried after the load, which may hold its past', async () => {
    const name = `t-${Math.random()}`
    const writer = new FakeDoc()
    const edits: Uint8Array[] = []
    writer.on('delta', (b) => edits.push(b))
    writer.add('w0') // stored by its writer: the loading tab reads it from disk
    writer.add('w1')
    const loading = tab(name)
    const raw = listener(name)
    raw.ch.post({ type: 'delta', from: writer.replicaId, bytes: edits[1]! })
    raw.ch.post({ type: 'presence', from: writer.replicaId, state: 'marker' })
    await until(() => loading.presence.get(writer.replicaId) === 'marker', 'the delta to arrive')
    expect(loading.doc.pendingCount).toBe(0)
    loading.doc.applyDelta(edits[0]!) // the load
    loading.sync.hello()
    expect(loading.doc.values()).toEqual(['w0', 'w1'])
    expect(loading.applied).toHaveLength(1)
    raw.ch.close()
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
