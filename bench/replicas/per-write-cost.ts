/**
 * Per-write cost against the number of replicas a doc has seen (issue #15,
 * item 14): a doc that `replicas` distinct replicas wrote to once, then
 * `writes` single-character writes from one more replica, timed
 *  - through the protocol (`SyncServer.receive` + `persisted`: decode, join, ack), and
 *  - through the SQLite store's `append` (what makes them durable).
 * Run: node --import tsx bench/replicas/per-write-cost.ts [replicas...]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Doc, SyncServer, createDocModel, encodeMessage, inspectDelta } from '../../packages/crdt-core/src/index.js'
import { SqliteStore } from '../../packages/server/src/store/sqlite-store.js'

const WRITES = Number(process.env.WRITES ?? 200)

function seededDeltas(replicas: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < replicas; i++) {
    const d = new Doc({ replicaId: i + 1 })
    d.on('delta', (b) => out.push(b))
    d.getMap('m').set(`k${i % 64}`, i)
  }
  return out
}

function writerDeltas(): Uint8Array[] {
  const d = new Doc({ replicaId: 9_000_000_001 })
  const out: Uint8Array[] = []
  d.on('delta', (b) => out.push(b))
  for (let i = 0; i < WRITES; i++) d.getText('t').insert(i, 'x')
  return out
}

function protocolCost(seed: Uint8Array[], writes: Uint8Array[]): number {
  const server = new SyncServer({ docModel: createDocModel(), authenticate: () => ({ ok: true, principal: 'p' }) })
  server.connect(1, 0)
  server.receive(1, encodeMessage({ type: 'hello', token: '', clientName: 'bench' }), 0)
  server.receive(1, encodeMessage({ type: 'subscribe', doc: 'd', vv: {} }), 0)
  server.loaded('d', { deltas: seed.map((bytes, i) => ({ seq: i + 1, bytes })) })
  let seq = seed.length
  const t0 = performance.now()
  for (let i = 0; i < writes.length; i++) {
    for (const e of server.receive(1, encodeMessage({ type: 'delta', doc: 'd', seq: i + 1, delta: writes[i]! }), i)) {
      if (e.type === 'persist') server.persisted(e.id, ++seq)
    }
  }
  return (performance.now() - t0) / writes.length
}

async function storeCost(seed: Uint8Array[], writes: Uint8Array[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'))
  const store = new SqliteStore({ path: join(dir, 'w.db'), synchronous: 'OFF' })
  try {
    await Promise.all(seed.map((bytes) => store.append('d', { bytes, ranges: inspectDelta(bytes).ranges })))
    const t0 = performance.now()
    for (const bytes of writes) await store.append('d', { bytes, ranges: inspectDelta(bytes).ranges })
    return (performance.now() - t0) / writes.length
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0)
for (const replicas of sizes.length > 0 ? sizes : [1_000, 30_000]) {
  const seed = seededDeltas(replicas)
  const writes = writerDeltas()
  const protocol = protocolCost(seed, writes)
  const store = process.env.STORE === '0' ? Number.NaN : await storeCost(seed, writes)
  console.log(`${replicas} replicas: protocol ${protocol.toFixed(3)} ms/write, sqlite append ${store.toFixed(3)} ms/write`)
}
