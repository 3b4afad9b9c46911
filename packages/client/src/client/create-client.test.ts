import 'fake-indexeddb/auto'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { indexedDBStorage } from '../storage/indexeddb-storage.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { DocStatus } from '../handle/status.js'
import { faultyStore } from '../storage/faulty-storage.js'
import { until } from '../test-support/until.js'
import { createClient, type Client, type ClientOptions } from './create-client.js'

const open: Client[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()))
})
function client(opts: ClientOptions): Client {
  const c = createClient({ tabs: false, ...opts })
  open.push(c)
  return c
}
const text = (c: Client, id = 'note') => c.doc(id).doc.getText('body').toString()

describe('createClient, local-only', () => {
  it('[CLIENT-API-1] returns the same handle for the same id, a new one after close', async () => {
    const c = client({ storage: memoryStorage() })
    const h = c.doc('a')
    expect(c.doc('a')).toBe(h)
    expect(c.doc('b')).not.toBe(h)
    await h.close()
    expect(c.doc('a')).not.toBe(h)
  })

  it('[CLIENT-API-DOCS-1] docs() lists the open handles; the doc event tells of each new one', async () => {
    const c = client({ storage: memoryStorage() })
    const opened: string[] = []
    c.on('doc', (h) => opened.push(h.id))
    const a = c.doc('a')
    const b = c.doc('b')
    c.doc('a')
    expect(c.docs()).toEqual([a, b])
    expect(opened).toEqual(['a', 'b'])
    await a.close()
    expect(c.docs()).toEqual([b])
  })

  it('[CLIENT-API-2] ready needs no network; a reopened client sees the edits (a reload keeps them)', async () => {
    const storage = memoryStorage()
    const a = client({ storage })
    const h = a.doc('note')
    await h.ready
    h.doc.getText('body').insert(0, 'hello')
    expect(h.status).toMatchObject({ connection: 'offline', savedLocally: false, savedOnServer: false })
    await h.whenSaved('local')
    expect(h.status.savedLocally).toBe(true)
    await a.close()
    const b = client({ storage })
    await b.doc('note').ready
    expect(text(b)).toBe('hello')
    await expect(b.doc('note').whenSaved('server')).rejects.toThrow(/needs a server/)
  })

  it('[CLIENT-API-3] a local-only client does not grow the stored outbox', async () => {
    const storage = memoryStorage()
    const h = client({ storage }).doc('note')
    await h.ready
    for (let i = 0; i < 20; i++) h.doc.getText('body').insert(0, 'x')
    await h.whenSaved('local')
    await until(() => h.status.savedLocally)
    await h.whenSaved('local')
    const stored = await storage.load('note')
    expect(stored.log.length).toBeGreaterThan(0)
    expect(stored.outbox).toHaveLength(0)
  })

  it('[CLIENT-STORE-ERR-3] a storage failure shows in status and as an error event; edits survive and are written on recovery', async () => {
    const storage = faultyStore().open()
    const c = client({ storage })
    const h = c.doc('note')
    await h.ready
    const statuses: DocStatus[] = []
    const errors: unknown[] = []
    h.on('status', (s) => statuses.push(s))
    h.on('error', (e) => errors.push(e))
    storage.failWith = 'quota-exceeded'
    h.doc.getText('body').insert(0, 'kept')
    await until(() => h.status.storageError !== undefined, 'storage error in status')
    expect(h.status.storageError?.code).toBe('quota-exceeded')
    expect(h.status.savedLocally).toBe(false)
    expect(errors.length).toBeGreaterThan(0)
    expect(text(c)).toBe('kept') // still works in memory
    storage.failWith = undefined
    await h.whenSaved('local')
    expect(h.status.storageError).toBeUndefined()
    expect(statuses.some((s) => s.storageError?.code === 'quota-exceeded')).toBe(true)
    const again = client({ storage })
    await again.doc('note').ready
    expect(text(again)).toBe('kept')
  })
})

describe('createClient, IndexedDB', () => {
  it('[CLIENT-API-4] closing right after typing loses nothing (close flushes the write queue)', async () => {
    const factory = new IDBFactory()
    const storage = () => indexedDBStorage('app', { indexedDB: factory, keyRange: IDBKeyRange })
    const a = createClient({ tabs: false, storage: storage() })
    const h = a.doc('note')
    await h.ready
    for (const ch of 'typed then closed') h.doc.getText('body').insert(h.doc.getText('body').length, ch)
    await a.close() // no await of whenSaved: close itself must flush
    const b = client({ storage: storage() })
    await b.doc('note').ready
    expect(text(b)).toBe('typed then closed')
  })

  it('[CLIENT-API-6] a status listener hears every change from the status at its subscription, and nothing unchanged', async () => {
    const h = client({ storage: memoryStorage() }).doc('note')
    await h.ready
    // Edits and writes with nobody listening: no status is kept for them.
    h.doc.getText('body').insert(0, 'a')
    await h.whenSaved('local')
    const statuses: DocStatus[] = []
    h.on('status', (s) => statuses.push(s))
    h.refresh()
    expect(statuses).toEqual([]) // unchanged since subscribing
    h.doc.getText('body').insert(0, 'b')
    await h.whenSaved('local')
    const saved = statuses.map((s) => s.savedLocally)
    expect(saved[0]).toBe(false)
    expect(saved.at(-1)).toBe(true)
    expect(saved.every((v, i) => i === 0 || v !== saved[i - 1])).toBe(true) // each one a change
  })
})

describe('createClient, tabs', () => {
  it('[CLIENT-TAB-3] two tabs over IndexedDB and BroadcastChannel converge with no server; a late tab catches up', async () => {
    const factory = new IDBFactory()
    const name = `app-${Math.random()}`
    const mk = (): Client => {
      const c = createClient({ name, storage: indexedDBStorage(name, { indexedDB: factory, keyRange: IDBKeyRange }) })
      open.push(c)
      return c
    }
    const t1 = mk()
    const t2 = mk()
    const h1 = t1.doc('note')
    const h2 = t2.doc('note')
    await Promise.all([h1.ready, h2.ready])
    expect(h1.doc.replicaId).not.toBe(h2.doc.replicaId)
    h1.doc.getText('body').insert(0, 'one ')
    h2.doc.getMap('meta').set('title', 'two')
    await until(() => text(t2) === 'one ' && h1.doc.getMap('meta').get('title') === 'two', 'tabs to converge')
    h1.doc.getText('body').insert(4, 'more')
    await until(() => text(t2) === 'one more', 'live delta')
    // A third tab opens late: it loads from IndexedDB and asks its peers for the rest.
    const t3 = mk()
    const h3 = t3.doc('note')
    await h3.ready
    await until(() => text(t3) === 'one more' && h3.doc.getMap('meta').get('title') === 'two', 'late tab')
    expect(h3.doc.digest()).toBe(h1.doc.digest())
  })

  it('[CLIENT-PRES-3] presence crosses tabs and disappears when a tab closes', async () => {
    const name = `app-${Math.random()}`
    const mk = (): Client => {
      const c = createClient({ name, storage: memoryStorage(), presence: { throttleMs: 0 } })
      open.push(c)
      return c
    }
    const a = mk().doc('note')
    const b = mk().doc('note')
    await Promise.all([a.ready, b.ready])
    a.presence.set({ user: 'ann', cursor: 3 })
    await until(() => b.presence.others.size === 1, 'presence to arrive')
    expect([...b.presence.others.values()]).toEqual([{ user: 'ann', cursor: 3 }])
    // A tab opened later learns it at once, not at the next heartbeat.
    const c = mk().doc('note')
    await c.ready
    await until(() => c.presence.others.size === 1, 'presence at the late tab')
    await a.close()
    await until(() => b.presence.others.size === 0 && c.presence.others.size === 0, 'presence to leave')
  })
})
