import { afterEach, describe, expect, it } from 'vitest'
import { faultyStore, type FaultyStorage } from '../storage/faulty-storage.js'
import { broadcastChannelFactory, type TabChannel, type TabChannelFactory } from '../tabs/tab-channel.js'
import { ManualTimers, flush } from '../test-support/manual-timers.js'
import { FakeDoc } from '../test-support/fake-doc.js'
import { LocalReplica } from '../persistence/local-replica.js'
import { realTimers } from '../timers.js'
import { createClient, type Client, type ClientOptions } from './create-client.js'

// Bugs the simulation of the production client found (tests/simulation), each pinned by a schedule small enough to read.

const open: Client[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()))
})
function client(opts: ClientOptions): Client {
  const c = createClient({ tabs: false, online: false, ...opts })
  open.push(c)
  return c
}
/** Completes every held call of `c` made so far, and those they lead to. */
async function drain(store: ReturnType<typeof faultyStore>, c: FaultyStorage): Promise<void> {
  for (let i = 0; i < 20; i++) {
    while (store.complete(c));
    await flush()
  }
}

/** Tab channels whose messages wait until `deliver()`: the test picks when tabs hear each other, and which tab dies. */
function heldChannels(): { factory(tab: string): TabChannelFactory; deliver(): void; kill(tab: string): void } {
  const channels = new Set<{ tab: string; name: string; listeners: Set<(m: unknown) => void> }>()
  const queue: (() => void)[] = []
  return {
    factory: (tab) => (name) => {
      const ch = { tab, name, listeners: new Set<(m: unknown) => void>() }
      channels.add(ch)
      const channel: TabChannel = {
        post: (m) => {
          for (const to of channels) {
            if (to !== ch && to.name === name) queue.push(() => channels.has(to) && to.listeners.forEach((fn) => fn(structuredClone(m))))
          }
        },
        onMessage: (fn) => {
          ch.listeners.add(fn)
          return () => void ch.listeners.delete(fn)
        },
        close: () => void channels.delete(ch),
      }
      return channel
    },
    deliver: () => {
      while (queue.length > 0) queue.shift()!()
    },
    kill: (tab) => {
      for (const ch of [...channels]) if (ch.tab === tab) channels.delete(ch)
    },
  }
}

describe('client under storage interleavings and crashes', () => {
  it('[CLIENT-OUT-4] the restored outbox lies below the block the session claims, whatever another tab writes meanwhile', async () => {
    const store = faultyStore()
    store.hold = true
    const s1 = store.open()
    const s2 = store.open()
    const doc = new FakeDoc()
    const replica = new LocalReplica({
      storage: s1,
      docId: 'note',
      doc,
      timers: realTimers,
      onError: () => undefined,
      onRecovered: () => undefined,
      onChange: () => undefined,
    })
    const loaded = replica.load(() => undefined)
    await flush()
    // Replica 1's first storage call runs; then another tab claims a block and stores an edit in it; then replica 1 goes on.
    expect(store.complete(s1)).toBe(true)
    const other = s2.claimSeqBlock('note').then((base) => s2.appendLocal('note', base + 1, new Uint8Array([1])))
    await drain(store, s2)
    await other
    await drain(store, s1)
    const l = await loaded
    expect(l).toBeDefined()
    for (const e of l!.outbox) expect(e.seq).toBeLessThanOrEqual(l!.base)
    replica.close()
  })

  it("[CLIENT-TAB-5] an edit built on another tab's edit is not lost when that tab dies before storing its own", async () => {
    const store = faultyStore()
    const name = `crash-${Math.random()}`
    const tabs = broadcastChannelFactory()!
    const sa = store.open()
    const a = client({ storage: sa, tabs, name })
    const b = client({ storage: store.open(), tabs, name })
    const ha = a.doc('note')
    const hb = b.doc('note')
    await Promise.all([ha.ready, hb.ready])
    await flush()
    // Tab A's process dies at its next storage write, before the edit below is stored.
    store.plan = (w) => (w.connection === sa && w.method === 'appendLocal' ? 'crash-before' : undefined)
    ha.doc.getText('body').insert(0, 'a')
    await flush()
    await new Promise((r) => setTimeout(r, 50)) // BroadcastChannel delivery
    // Tab B edits whatever it has now, and stores it.
    hb.doc.getText('body').insert(hb.doc.getText('body').length, 'b')
    await hb.whenSaved('local')
    expect(sa.dead).toBe(true)
    open.splice(open.indexOf(a), 1) // a dead process is dropped, not closed
    // A new tab loads the device's storage: B's stored edit must apply there.
    store.plan = undefined
    const c = client({ storage: store.open(), name: `${name}-reload` })
    const hc = c.doc('note')
    await hc.ready
    expect(hc.doc.pendingCount).toBe(0)
    expect(hc.doc.getText('body').toString()).toContain('b')
  })

  it('[CLIENT-TAB-7] a tab whose storage starts failing posts the edits still waiting for their write before the newer ones, so the others can apply all of them when it dies', async () => {
    const store = faultyStore()
    store.hold = true
    const bus = heldChannels()
    const timers = new ManualTimers() // never advanced: a failed write is not retried here
    const sa = store.open()
    const sb = store.open()
    const a = client({ storage: sa, tabs: bus.factory('a'), timers })
    const b = client({ storage: sb, tabs: bus.factory('b'), timers })
    const ha = a.doc('note')
    const hb = b.doc('note')
    await Promise.all([drain(store, sa), drain(store, sb)])
    await Promise.all([ha.ready, hb.ready])
    bus.deliver()
    const body = ha.doc.getText('body')
    body.insert(0, 'a') // their writes wait on the slow disk
    body.insert(1, 'b')
    await flush()
    // The first write fails (disk full): tab A goes on in memory and posts its edits at once from now on.
    store.plan = (w) => (w.connection === sa && w.method === 'appendLocal' ? 'quota-exceeded' : undefined)
    expect(store.complete(sa)).toBe(true)
    await flush()
    body.insert(2, 'c')
    await flush()
    // Tab A's process dies now; tab B hears what it posted.
    open.splice(open.indexOf(a), 1)
    bus.kill('a')
    bus.deliver()
    await flush()
    expect(hb.doc.pendingCount).toBe(0)
    expect(hb.doc.getText('body').toString()).toBe('abc')
    // Let tab B's writes finish so it closes.
    store.hold = false
    await drain(store, sb)
  })
})
