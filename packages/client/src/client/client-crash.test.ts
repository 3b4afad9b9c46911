import { afterEach, describe, expect, it } from 'vitest'
import { faultyStore, type FaultyStorage } from '../storage/faulty-storage.js'
import { broadcastChannelFactory } from '../tabs/tab-channel.js'
import { flush } from '../test-support/manual-timers.js'
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
})
