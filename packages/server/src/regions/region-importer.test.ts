import { Doc, inspectDelta } from '@weft/crdt-core'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../store/memory-store.js'
import { RecentImports } from './recent-imports.js'
import { RegionImporter } from './region-importer.js'
import { parsePeers } from './region-options.js'
import { decodeSinceAnswer, encodeSinceAnswer } from './region-wire.js'

function deltasOf(n: number): Uint8Array[] {
  const doc = new Doc()
  const out: Uint8Array[] = []
  doc.on('delta', (bytes: Uint8Array) => out.push(bytes.slice()))
  for (let i = 0; i < n; i++) doc.getList('set').push(`e${i}`)
  return out
}

describe('RegionImporter', () => {
  it('[REGION-2] appends what is new once: the same answer twice, or overlapping answers, store every delta exactly once', async () => {
    const store = new MemoryStore()
    const told: number[] = []
    const importer = new RegionImporter({ store, onImported: (_d, seq) => told.push(seq), logger: pino({ level: 'silent' }) })
    const ds = deltasOf(5)
    expect((await importer.import('d', { snapshot: undefined, deltas: ds.slice(0, 3), headSeq: 3 })).appended).toBe(3)
    expect((await importer.import('d', { snapshot: undefined, deltas: ds.slice(0, 3), headSeq: 3 })).appended).toBe(0)
    expect((await importer.import('d', { snapshot: undefined, deltas: ds.slice(1), headSeq: 5 })).appended).toBe(2)
    expect(await store.logLength('d')).toBe(5)
    expect(told).toEqual([1, 2, 3, 4, 5])
    const rebuilt = new Doc()
    for (const r of (await store.load('d')).deltas) rebuilt.applyDelta(r.bytes)
    expect(rebuilt.getList('set').toArray()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4'])
  })

  it('[REGION-3] a snapshot from a peer that compacted is imported as a delta (a state joins idempotently)', async () => {
    const src = new Doc()
    for (let i = 0; i < 4; i++) src.getList('set').push(`s${i}`)
    const store = new MemoryStore()
    const importer = new RegionImporter({ store, onImported: () => {}, logger: pino({ level: 'silent' }) })
    expect((await importer.import('d', { snapshot: src.encodeState(), deltas: [], headSeq: 9 })).appended).toBe(1)
    expect((await store.head('d')).vv).toEqual(src.versionVector())
    expect(inspectDelta((await store.load('d')).deltas[0]!.bytes).ranges.length).toBeGreaterThan(0)
  })

  it('concurrent imports of one doc run one at a time (no delta stored twice)', async () => {
    const store = new MemoryStore()
    const importer = new RegionImporter({ store, onImported: () => {}, logger: pino({ level: 'silent' }) })
    const ds = deltasOf(10)
    const n = await Promise.all([1, 2, 3].map(() => importer.import('d', { snapshot: undefined, deltas: ds, headSeq: 10 })))
    expect(n.reduce((a, b) => a + b.appended, 0)).toBe(10)
    expect(await store.logLength('d')).toBe(10)
  })
})

describe('RegionImporter keeps the store causally closed ([CAUSAL-1])', () => {
  const replay = async (store: MemoryStore) => {
    const d = new Doc()
    for (const r of (await store.load('d')).deltas) d.applyDelta(r.bytes)
    return d
  }

  it('a delta past a hole in its replica waits (the version vector never claims the hole); once the hole arrives, both are stored', async () => {
    const store = new MemoryStore()
    const importer = new RegionImporter({ store, onImported: () => {}, logger: pino({ level: 'silent' }) })
    const ds = deltasOf(4)
    await importer.import('d', { snapshot: undefined, deltas: ds.slice(0, 2), headSeq: 2 })
    // e3 alone, as a peer forwarding a third region's write as its own would send it.
    expect(await importer.import('d', { snapshot: undefined, deltas: [ds[3]!], headSeq: 3 })).toEqual({ appended: 0, waiting: 1 })
    const replica = Number(Object.keys((await store.head('d')).vv)[0])
    expect((await store.head('d')).vv[replica]).toBe(2)
    // A pull `since` the head brings what it lacked, in any order within the answer.
    expect(await importer.import('d', { snapshot: undefined, deltas: [ds[3]!, ds[2]!], headSeq: 4 })).toEqual({ appended: 2, waiting: 0 })
    expect((await replay(store)).getList('set').toArray()).toEqual(['e0', 'e1', 'e2', 'e3'])
  })

  it("a delta depending on another replica's write waits for it", async () => {
    const a = new Doc()
    const b = new Doc()
    const fromA: Uint8Array[] = []
    const fromB: Uint8Array[] = []
    a.on('delta', (bytes: Uint8Array) => fromA.push(bytes.slice()))
    b.on('delta', (bytes: Uint8Array) => fromB.push(bytes.slice()))
    a.getList('set').push('x')
    b.applyDelta(fromA[0]!)
    b.getList('set').delete(0)
    const store = new MemoryStore()
    const importer = new RegionImporter({ store, onImported: () => {}, logger: pino({ level: 'silent' }) })
    expect(await importer.import('d', { snapshot: undefined, deltas: [fromB[0]!], headSeq: 1 })).toEqual({ appended: 0, waiting: 1 })
    expect(await store.logLength('d')).toBe(0)
    expect(await importer.import('d', { snapshot: undefined, deltas: [fromB[0]!, fromA[0]!], headSeq: 2 })).toEqual({ appended: 2, waiting: 0 })
    expect(inspectDelta((await store.load('d')).deltas[0]!.bytes).ranges[0]!.replica).toBe(a.replicaId)
    expect((await replay(store)).getList('set').toArray()).toEqual([])
  })

  it('deltas that committed before a failed append are still told and remembered (their origin is not forgotten)', async () => {
    const store = new MemoryStore()
    const seen: number[] = []
    const recent = new RecentImports()
    const importer = new RegionImporter({ store, recent, onImported: (_d, seq) => seen.push(seq), logger: pino({ level: 'silent' }) })
    const append = store.append.bind(store)
    let calls = 0
    store.append = (doc, delta) => (++calls === 3 ? Promise.reject(new Error('store went away')) : append(doc, delta))
    await expect(importer.import('d', { snapshot: undefined, deltas: deltasOf(3), headSeq: 3 }, 'peer-b')).rejects.toThrow('store went away')
    expect(seen).toEqual([1, 2])
    expect([recent.origin('d', 1), recent.origin('d', 2)]).toEqual(['peer-b', 'peer-b'])
  })
})

describe('region wire and options', () => {
  it('the since answer round-trips', () => {
    const a = { snapshot: new Uint8Array([1, 2, 3]), deltas: deltasOf(3), headSeq: 42 }
    expect(decodeSinceAnswer(encodeSinceAnswer(a))).toEqual(a)
    expect(decodeSinceAnswer(encodeSinceAnswer({ snapshot: undefined, deltas: [], headSeq: 0 }))).toEqual({ snapshot: undefined, deltas: [], headSeq: 0 })
  })

  it('[REGION-4] peers parse from flags or a comma list; mistakes say what to fix', () => {
    expect(parsePeers(['b=http://h:1/', 'c=https://x'], 'a')).toEqual([
      { name: 'b', url: 'http://h:1' },
      { name: 'c', url: 'https://x' },
    ])
    expect(parsePeers(['b=http://h:1,c=http://h:2'], 'a')).toHaveLength(2)
    expect(() => parsePeers(['b'], 'a')).toThrow(/NAME=http/)
    expect(() => parsePeers(['a=http://h:1'], 'a')).toThrow(/this region itself/)
    expect(() => parsePeers(['b=http://h:1', 'b=http://h:2'], 'a')).toThrow(/twice/)
  })
})
