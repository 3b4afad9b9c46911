import { describe, expect, it } from 'vitest'
import { isWeftStorageError } from '../errors.js'
import { faultyStore, type StorageWrite } from './faulty-storage.js'
import { runStorageContract } from './storage-contract.js'

runStorageContract('faultyStore (no fault armed)', () => {
  const store = faultyStore()
  return { open: () => store.open() }
})

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs)
const settled = async (p: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> => {
  let state: 'resolved' | 'rejected' | 'pending' = 'pending'
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  )
  await new Promise((r) => setImmediate(r))
  return state
}

describe('faultyStore', () => {
  it('crash-before: the write is not stored, the connection dies and nothing it calls settles', async () => {
    const store = faultyStore()
    const crashed: unknown[] = []
    store.onCrash = (c) => crashed.push(c)
    const s = store.open()
    await s.appendLocal('d', 1, bytes(1))
    store.plan = (w) => (w.n === 2 ? 'crash-before' : undefined)
    expect(await settled(s.appendLocal('d', 2, bytes(2)))).toBe('pending')
    expect(s.dead).toBe(true)
    expect(crashed).toEqual([s])
    expect(await settled(s.load('d'))).toBe('pending')
    const next = store.open()
    expect((await next.load('d')).outbox.map((e) => e.seq)).toEqual([1])
  })

  it('crash-after: the write is stored whole, but its caller never hears of it', async () => {
    const store = faultyStore()
    const s = store.open()
    store.plan = (w) => (w.method === 'appendLocal' && w.n === 1 ? 'crash-after' : undefined)
    expect(await settled(s.appendLocal('d', 1, bytes(1)))).toBe('pending')
    expect(s.dead).toBe(true)
    const d = await store.open().load('d')
    expect(d.log.map((e) => e.bytes)).toEqual([bytes(1)])
    expect(d.outbox.map((e) => e.seq)).toEqual([1])
  })

  it('storage and quota errors reject the chosen write with its code and store nothing; later writes work', async () => {
    const store = faultyStore()
    const seen: StorageWrite[] = []
    store.plan = (w) => {
      seen.push(w)
      return w.n === 1 ? 'quota-exceeded' : w.n === 2 ? 'failed' : undefined
    }
    const s = store.open()
    const e1: unknown = await s.appendRemote('d', bytes(1)).catch((e: unknown) => e)
    const e2: unknown = await s.ackOutbox('d', 0, 5).catch((e: unknown) => e)
    expect(isWeftStorageError(e1) && e1.code).toBe('quota-exceeded')
    expect(isWeftStorageError(e2) && e2.code).toBe('failed')
    await s.appendRemote('d', bytes(2))
    expect((await s.load('d')).log.map((e) => e.bytes)).toEqual([bytes(2)])
    expect(seen.map((w) => [w.n, w.method])).toEqual([
      [1, 'appendRemote'],
      [2, 'ackOutbox'],
      [3, 'appendRemote'],
    ])
    expect(store.writes).toBe(3) // reads are not counted
  })

  it('held calls run when completed, in call order per connection', async () => {
    const store = faultyStore()
    store.hold = true
    const a = store.open()
    const b = store.open()
    const order: string[] = []
    const pa = a.appendLocal('d', 1, bytes(1)).then(() => order.push('a1'))
    const pb = b.appendLocal('d', 2, bytes(2)).then(() => order.push('b1'))
    const pa2 = a.appendRemote('d', bytes(3)).then(() => order.push('a2'))
    expect(a.held).toBe(2)
    expect(await settled(pa)).toBe('pending')
    expect(store.complete(b)).toBe(true)
    expect(store.complete(a)).toBe(true)
    expect(store.complete(a)).toBe(true)
    expect(store.complete(a)).toBe(false)
    await Promise.all([pa, pb, pa2])
    expect(order).toEqual(['b1', 'a1', 'a2'])
  })

  it('wipe loses everything stored and kills the connections open now', async () => {
    const store = faultyStore()
    const s = store.open()
    await s.appendLocal('d', 1, bytes(1))
    store.wipe()
    expect(s.dead).toBe(true)
    expect(await store.open().listDocs()).toEqual([])
  })
})
