import { Doc, type ProtocolMessage } from '@weft/crdt-core'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConnectionStatus } from '../handle/status.js'
import 'fake-indexeddb/auto'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { indexedDBStorage } from '../storage/indexeddb-storage.js'
import { memoryStorage } from '../storage/memory-storage.js'
import { OUTBOX_SEQ_BLOCK, type Storage } from '../storage/types.js'
import { offlineSwitch } from '../transport/offline-switch.js'
import { faultyStore } from '../storage/faulty-storage.js'
import { MemorySyncServer } from '../test-support/memory-sync-server.js'
import { until } from '../test-support/until.js'
import { createClient, type Client, type ClientOptions } from './create-client.js'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

function server(): MemorySyncServer {
  const s = new MemorySyncServer()
  cleanup.push(() => s.close())
  return s
}
function client(s: MemorySyncServer, opts: Partial<ClientOptions> = {}): Client {
  const c = createClient({
    transport: s.transport,
    storage: memoryStorage(),
    tabs: false,
    online: false,
    backoff: { baseMs: 10, maxMs: 50 },
    session: { digestQuietMs: 50 },
    ...opts,
  })
  cleanup.push(() => c.close())
  return c
}
const body = (c: Client, id = 'note') => c.doc(id).doc.getText('body')
/** The messages of `type` the server received since `from` (an index into `s.received`). */
const received = <T extends ProtocolMessage['type']>(s: MemorySyncServer, from: number, type: T) =>
  s.messages.slice(from).filter((m): m is Extract<ProtocolMessage, { type: T }> => m?.type === type)

describe('client with the protocol server over the in-memory transport', () => {
  it('[DUR-1] a write is saved locally while offline and counted unsaved; once the server acks it, unsaved is 0 and whenSaved("server") resolves', async () => {
    const s = server()
    const cable = offlineSwitch(s.transport)
    cable.setOffline(true)
    const storage = memoryStorage()
    const a = client(s, { storage, transport: cable.transport })
    const h = a.doc('note')
    await h.ready
    for (const word of ['one ', 'two ', 'three']) body(a).insert(body(a).length, word)
    await h.whenSaved('local')
    // Persisted on this device, in the outbox: each transaction counts until the server acks it.
    expect(h.status).toMatchObject({ savedLocally: true, savedOnServer: false, unsaved: 3 })
    expect((await storage.load('note')).outbox).toHaveLength(3)
    let onServer = false
    const saved = h.whenSaved('server').then(() => (onServer = true))
    await new Promise((r) => setTimeout(r, 50))
    expect(onServer, 'offline: no server ack yet').toBe(false)
    cable.setOffline(false)
    await saved
    expect(h.status).toMatchObject({ savedOnServer: true, unsaved: 0 })
    // Acked rows leave the stored outbox (trims are merged and written late, [CLIENT-ACK-1]).
    await until(async () => (await storage.load('note')).outbox.length === 0, 'acked deltas to leave the stored outbox')
    // The levels are an open set: one this client does not know is refused, not taken for another.
    await expect(h.whenSaved('quorum' as 'server')).rejects.toThrow(/unknown durability level quorum/)
  })

  it('[CLIENT-SYNC-1] two clients converge through the server; status goes connecting -> syncing -> synced', async () => {
    const s = server()
    const a = client(s)
    const b = client(s)
    const seen: ConnectionStatus[] = []
    const ha = a.doc('note')
    ha.on('status', (st) => seen.at(-1) !== st.connection && seen.push(st.connection))
    await Promise.all([ha.ready, b.doc('note').ready])
    body(a).insert(0, 'hello ')
    body(b).insert(0, 'world')
    await until(() => body(a).toString() === body(b).toString() && body(a).length === 11, 'convergence')
    await ha.whenSaved('server')
    expect(ha.status).toMatchObject({ connection: 'synced', unsaved: 0, savedLocally: true, savedOnServer: true })
    expect(seen).toContain('connecting')
    expect(seen.at(-1)).toBe('synced')
    expect(a.doc('note').doc.digest()).toBe(b.doc('note').doc.digest())
  })

  it('[CLIENT-SYNC-7] the badge follows the causal buffer whoever fills it (another tab, not the server)', async () => {
    const s = server()
    const a = client(s)
    const h = a.doc('note')
    await h.ready
    await until(() => h.status.connection === 'synced', 'synced')
    // Two edits of a writer the server never saw, joined from outside the session (as from another tab).
    const writer = new Doc({ replicaId: 77 })
    const edits: Uint8Array[] = []
    writer.on('delta', (d) => edits.push(d))
    writer.getText('body').insert(0, 'a')
    writer.getText('body').insert(1, 'b')
    h.doc.applyDelta(edits[1]!)
    expect(h.doc.pendingCount).toBe(1)
    expect(h.status.connection).toBe('syncing')
    h.doc.applyDelta(edits[0]!)
    expect(h.doc.pendingCount).toBe(0)
    // Before, the badge showed the session's last status effect, which a join outside the session never changes.
    expect(h.status.connection).toBe('synced')
  })

  it('[CLIENT-SYNC-2] offline edits reach the server and the other client after reconnect', async () => {
    const s = server()
    const a = client(s)
    const b = client(s)
    await Promise.all([a.doc('note').ready, b.doc('note').ready])
    await until(() => a.doc('note').status.connection === 'synced', 'a synced')
    s.network.setOnline(false)
    await until(() => a.doc('note').status.connection === 'offline', 'a offline')
    body(a).insert(0, 'made offline')
    expect(a.doc('note').status.unsaved).toBe(1)
    expect(a.doc('note').status.savedOnServer).toBe(false)
    await a.doc('note').whenSaved('local')
    s.network.setOnline(true)
    await a.doc('note').whenSaved('server')
    await until(() => body(b).toString() === 'made offline', 'b to receive the offline edit')
  })

  it('[CLIENT-SYNC-3] a restarted client uploads what its storage outbox kept', async () => {
    const s = server()
    const storage = memoryStorage()
    s.network.setOnline(false)
    const a = client(s, { storage })
    await a.doc('note').ready
    body(a).insert(0, 'before the restart')
    await a.doc('note').whenSaved('local')
    await a.close()
    expect((await storage.load('note')).outbox).toHaveLength(1)
    s.network.setOnline(true)
    const a2 = client(s, { storage })
    await a2.doc('note').whenSaved('server')
    const b = client(s)
    await b.doc('note').ready
    await until(() => body(b).toString() === 'before the restart', 'b to see it')
    await a2.doc('note').whenSaved('local') // the outbox trim is a queued write too
    expect((await storage.load('note')).outbox).toHaveLength(0)
  })

  it('[CLIENT-SWEEP-1] edits made offline in docs never opened again reach the server when the client next connects', async () => {
    const s = server()
    const storage = memoryStorage()
    s.network.setOnline(false)
    const a = client(s, { storage })
    for (const id of ['note:1', 'note:2', 'note:3']) {
      await a.doc(id).ready
      body(a, id).insert(0, `offline ${id}`)
      await a.doc(id).whenSaved('local')
    }
    await a.close()
    expect(await storage.docsWithOutbox?.()).toEqual(['note:1', 'note:2', 'note:3'])

    s.network.setOnline(true)
    const a2 = client(s, { storage })
    const app = a2.doc('note:2') // the app opens one of them; the sweep leaves it to the app
    // Generous: a loaded CI machine, not a latency bound.
    await until(async () => (await storage.docsWithOutbox?.())?.length === 0, 'the sweep to empty every outbox', 30_000)
    const b = client(s)
    for (const id of ['note:1', 'note:2', 'note:3']) {
      await b.doc(id).ready
      await until(() => body(b, id).toString() === `offline ${id}`, `b to see ${id}`)
    }
    // The background handles are closed again; the app's own stays open.
    expect(a2.docs()).toEqual([app])
  }, 60_000)

  it('[CLIENT-OUT-1] storage keeps the seqs the session sends, across restarts, with no renumbering', async () => {
    const s = server()
    const storage = memoryStorage()
    s.network.setOnline(false)
    const a = client(s, { storage })
    await a.doc('note').ready
    for (const piece of ['a', 'b', 'c']) body(a).insert(0, piece)
    await a.doc('note').whenSaved('local')
    await a.close()
    const stored = (await storage.load('note')).outbox.map((e) => e.seq)
    expect(stored).toEqual([OUTBOX_SEQ_BLOCK + 1, OUTBOX_SEQ_BLOCK + 2, OUTBOX_SEQ_BLOCK + 3])
    // A second offline run restores them unchanged and numbers its own above them.
    const a2 = client(s, { storage })
    await a2.doc('note').ready
    body(a2).insert(0, 'd')
    await a2.doc('note').whenSaved('local')
    expect(a2.doc('note').status.unsaved).toBe(4)
    await a2.close()
    expect((await storage.load('note')).outbox.map((e) => e.seq)).toEqual([...stored, 2 * OUTBOX_SEQ_BLOCK + 1])
    // Online: the upload's seq is the session's own, and its ack empties the stored outbox.
    s.network.setOnline(true)
    const before = s.received.length
    const a3 = client(s, { storage })
    await a3.doc('note').whenSaved('server')
    const seqs = received(s, before, 'delta').map((m) => m.seq)
    expect(seqs).toEqual([3 * OUTBOX_SEQ_BLOCK])
    await a3.doc('note').whenSaved('local')
    expect((await storage.load('note')).outbox).toEqual([])
  })

  it("[CLIENT-OUT-3] a tab dropping its acked deltas leaves the other tab's outbox rows alone", async () => {
    const s = server()
    const storage = memoryStorage() // one origin's storage, shared by two tabs
    const cableB = offlineSwitch(s.transport)
    cableB.setOffline(true)
    const a = client(s, { storage })
    const b = client(s, { storage, transport: cableB.transport })
    await Promise.all([a.doc('note').ready, b.doc('note').ready])
    body(b).insert(0, 'from b')
    await b.doc('note').whenSaved('local')
    body(a).insert(0, 'from a ')
    await a.doc('note').whenSaved('server')
    await a.doc('note').whenSaved('local')
    // A's rows are gone; B's (another block, not acked for B) stay until B's own session is acked.
    const rows = (await storage.load('note')).outbox
    expect(rows.map((e) => Math.floor((e.seq - 1) / OUTBOX_SEQ_BLOCK))).toEqual([2])
    cableB.setOffline(false)
    await b.doc('note').whenSaved('server')
    await b.doc('note').whenSaved('local')
    expect((await storage.load('note')).outbox).toEqual([])
  })

  it('[CLIENT-SYNC-4] after 10k offline edits a reconnect uploads ONE compact delta', async () => {
    const s = server()
    const a = client(s, { compaction: { maxLogCount: 500 } })
    const h = a.doc('note')
    await h.ready
    await until(() => h.status.connection === 'synced', 'synced')
    s.network.setOnline(false)
    await until(() => h.status.connection === 'offline', 'offline')
    let sum = 0
    let count = 0
    h.doc.on('delta', (d) => {
      sum += d.byteLength
      count++
    })
    const text = h.doc.getText('body')
    for (let i = 0; i < 10_000; i++) text.insert(text.length, String.fromCharCode(97 + (i % 26)))
    await h.whenSaved('local')
    const before = s.received.length
    s.network.setOnline(true)
    await h.whenSaved('server')
    const uploaded = received(s, before, 'delta')
    const bytes = uploaded.reduce((n, m) => n + (m.type === 'delta' ? m.delta.byteLength : 0), 0)
    console.log(
      `[CLIENT-SYNC-4] ${count} offline edits: ${uploaded.length} delta frame(s) of ${bytes} B uploaded on reconnect; the individual deltas sum to ${sum} B`,
    )
    expect(count).toBe(10_000)
    expect(uploaded).toHaveLength(1)
    expect(bytes).toBeLessThan(sum / 10)
    expect(h.status.unsaved).toBe(0)
  }, 60_000)

  it('[CLIENT-SYNC-5] while local storage fails the doc still syncs to the server; storage catches up later', async () => {
    const s = server()
    const storage = faultyStore().open()
    const a = client(s, { storage })
    const b = client(s)
    const h = a.doc('note')
    await Promise.all([h.ready, b.doc('note').ready])
    storage.failWith = 'quota-exceeded'
    body(a).insert(0, 'still synced')
    await until(() => body(b).toString() === 'still synced', 'server path despite storage failure')
    expect(h.status.storageError?.code).toBe('quota-exceeded')
    expect(h.status.savedLocally).toBe(false)
    storage.failWith = undefined
    await h.whenSaved('local')
    expect(h.status.storageError).toBeUndefined()
  })

  it('[CLIENT-PRES-4] presence goes through the server and leaves with the client', async () => {
    const s = server()
    const a = client(s, { presence: { throttleMs: 0 } })
    const b = client(s)
    const [ha, hb] = [a.doc('note'), b.doc('note')]
    await Promise.all([ha.ready, hb.ready])
    await until(() => ha.status.connection === 'synced' && hb.status.connection === 'synced', 'both synced')
    ha.presence.set({ name: 'ann' })
    await until(() => hb.presence.others.size === 1, 'presence at b')
    expect([...hb.presence.others.values()]).toEqual([{ name: 'ann' }])
    await ha.close()
    await until(() => hb.presence.others.size === 0, 'presence gone')
  })

  it('[CLIENT-AUTH-1] a token function is called for every connection', async () => {
    const s = server()
    let calls = 0
    const a = client(s, { token: async () => `t${++calls}` })
    await a.doc('note').ready
    await until(() => a.doc('note').status.connection === 'synced', 'synced')
    s.network.dropAll()
    await until(() => calls === 2 && a.doc('note').status.connection === 'synced', 'reconnected with a fresh token')
  })

  it('[CLIENT-AUTH-2] a token function may return the token itself, not only a promise', async () => {
    const s = server()
    const tok = 'plain-token'
    const a = client(s, { token: () => tok })
    await a.doc('note').ready
    await until(() => a.doc('note').status.connection === 'synced', 'synced')
    expect(s.tokens).toEqual([tok])
  })

  it('[CLIENT-COMPACT-5] reloading a synced doc without edits does not grow IndexedDB', async () => {
    const s = server()
    const factory = new IDBFactory()
    const storage = () => indexedDBStorage('app', { indexedDB: factory, keyRange: IDBKeyRange })
    const writer = client(s)
    await writer.doc('note').ready
    for (let i = 0; i < 50; i++) body(writer).insert(0, 'w')
    await writer.doc('note').whenSaved('server')
    const size = async () => {
      const d = await storage().load('note')
      return (d.snapshot?.byteLength ?? 0) + d.log.reduce((n, e) => n + e.bytes.byteLength, 0) + d.outbox.length
    }
    const sizes: number[] = []
    for (let i = 0; i < 4; i++) {
      const reader = createClient({ transport: s.transport, storage: storage(), tabs: false, online: false })
      const h = reader.doc('note')
      await h.ready
      await until(() => h.status.connection === 'synced' && body(reader).length === 50, 'reload synced')
      await h.whenSaved('local')
      await reader.close()
      sizes.push(await size())
    }
    // The first load stores what the server sent; later loads add nothing.
    expect(sizes[0]).toBeGreaterThan(0)
    expect(new Set(sizes.slice(1)).size).toBe(1)
    expect(sizes[3]).toBe(sizes[0])
  })

  it('[CLIENT-TAB-4] tabs converge over BroadcastChannel while the server is down, then both reach it', async () => {
    const s = server()
    s.network.setOnline(false)
    const factory = new IDBFactory()
    const name = `tabs-${Math.random()}`
    const { broadcastChannelFactory } = await import('../tabs/tab-channel.js')
    const mk = () => {
      const c = createClient({
        transport: s.transport,
        name,
        tabs: broadcastChannelFactory() ?? false,
        online: false,
        backoff: { baseMs: 10, maxMs: 50 },
        storage: indexedDBStorage(name, { indexedDB: factory, keyRange: IDBKeyRange }),
      })
      cleanup.push(() => c.close())
      return c
    }
    const [t1, t2] = [mk(), mk()]
    await Promise.all([t1.doc('note').ready, t2.doc('note').ready])
    body(t1).insert(0, 'one ')
    body(t2).insert(0, 'two ')
    await until(() => body(t1).length === 8 && body(t1).toString() === body(t2).toString(), 'tabs converge offline')
    expect(t1.doc('note').status.connection).not.toBe('synced')
    s.network.setOnline(true)
    await Promise.all([t1.doc('note').whenSaved('server'), t2.doc('note').whenSaved('server')])
    const other = client(s)
    await other.doc('note').ready
    await until(() => body(other).toString() === body(t1).toString(), "server has both tabs' edits")
  })

  it('[CLIENT-STORE-ERR-4] edits of an earlier run reach the server when storage only comes back after the doc went live', async () => {
    const s = server()
    const disk = faultyStore()
    const offline = createClient({ storage: disk.open(), tabs: false }) // an earlier run, never online
    await offline.doc('note').ready
    offline.doc('note').doc.getText('body').insert(0, 'from an earlier run')
    await offline.close()
    const storage = disk.open()
    storage.failWith = 'unavailable'
    const a = client(s, { storage })
    const h = a.doc('note')
    await h.ready // resolves at the first failure: the doc runs in memory
    await until(() => h.status.connection === 'synced', 'live without storage')
    expect(body(a).toString()).toBe('')
    storage.failWith = undefined // storage comes back: the stored doc is joined in, then resynced
    await until(() => body(a).toString() === 'from an earlier run', 'stored content loaded')
    const b = client(s)
    await b.doc('note').ready
    await until(() => body(b).toString() === 'from an earlier run', 'the server to get it')
  })

  it('[CLIENT-API-5] reopening a doc while its old handle is still closing waits for it, then sees its edits', async () => {
    const s = server()
    const inner = memoryStorage()
    // Slow local writes, so the old handle is still flushing when the new one opens.
    const slow: Storage = {
      ...inner,
      appendLocal: (id, seq, bytes) => new Promise((r) => setTimeout(r, 50)).then(() => inner.appendLocal(id, seq, bytes)),
    }
    const a = client(s, { storage: slow })
    const old = a.doc('note')
    await old.ready
    await until(() => old.status.connection === 'synced', 'synced')
    old.doc.getText('body').insert(0, 'flushed first')
    const closing = old.close() // not awaited
    const again = a.doc('note')
    expect(again).not.toBe(old)
    await again.ready
    expect(again.doc.getText('body').toString()).toBe('flushed first')
    await closing
    await until(() => again.status.connection === 'synced', 'the new handle syncs')
    await again.whenSaved('server')
  })
})
