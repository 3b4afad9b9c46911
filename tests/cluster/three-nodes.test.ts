import { randomBytes } from 'node:crypto'
import { type Client, createClient, memoryStorage, webSocketTransport } from '@weft/client'
import { Doc, inspectDelta, seededRandom } from '@weft/crdt-core'
import { type Bus, InProcessBusHub, NatsBus, PostgresStore, type WeftServer, createServer } from '@weft/server'
import { type TestDatabase, createTestDatabase } from '@weft/server/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { DocClient, eventually } from '../server/helpers/doc-client.js'

const NATS_URL = process.env.WEFT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222'
const SEED = Number(process.env.WEFT_SEED ?? 0x3a0de5)

const cleanup: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {})
})

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase()
  cleanup.push(() => db.drop())
  return db
}

/** One node: its own pool on the shared database and its own bus connection, as separate processes would have. */
async function startNode(db: TestDatabase, node: string, bus: Bus): Promise<WeftServer> {
  const store = await PostgresStore.open({ url: db.url, poolSize: 3 })
  const server = await createServer({ port: 0, logLevel: 'silent', store, bus, nodeId: node, cluster: { nodeTtlMs: 3000 } })
  cleanup.push(() => server.close())
  return server
}

async function natsCluster(db: TestDatabase, n: number): Promise<WeftServer[]> {
  const prefix = `weft_test_${randomBytes(4).toString('hex')}`
  const nodes: WeftServer[] = []
  for (let i = 1; i <= n; i++) nodes.push(await startNode(db, `n${i}`, await NatsBus.connect({ url: NATS_URL, node: `n${i}`, prefix })))
  return nodes
}

function client(server: WeftServer): Client {
  const c = createClient({
    transport: webSocketTransport(server.wsUrl),
    storage: memoryStorage(),
    tabs: false,
    online: false,
    backoff: { baseMs: 20, maxMs: 200 },
  })
  cleanup.push(() => c.close())
  return c
}

describe('three nodes over one PostgreSQL database and one NATS bus', () => {
  it('[FAN-2] clients on different nodes converge; a delta written on node 1 reaches a subscriber on node 3', async () => {
    const db = await database()
    const [n1, n2, n3] = await natsCluster(db, 3)
    const a = client(n1!)
    const b = client(n2!)
    const c = client(n3!)
    const docs = [a, b, c].map((x) => x.doc('note:1'))
    await Promise.all(docs.map((d) => d.ready))
    await eventually(() => expect(docs.every((d) => d.status.connection === 'synced')).toBe(true))
    docs[0]!.doc.getText('body').insert(0, 'from node 1 ')
    await eventually(() => expect(docs[2]!.doc.getText('body').toString()).toBe('from node 1 '))
    docs[1]!.doc.getText('body').insert(0, 'node 2 ')
    docs[2]!.doc.getMap('meta').set('title', 'node 3')
    await Promise.all(docs.map((d) => d.whenSaved('server')))
    await eventually(() => {
      expect(new Set(docs.map((d) => d.doc.digest())).size).toBe(1)
      expect(docs[0]!.doc.getMap('meta').get('title')).toBe('node 3')
    })
    expect(docs[0]!.doc.getText('body').length).toBe('from node 1 node 2 '.length)
    // The other nodes heard it over the bus, not from the store.
    const received = await n3!.metrics.registry.getSingleMetric('weft_bus_received_total')?.get()
    expect(received?.values[0]?.value).toBeGreaterThan(0)
    await eventually(() => expect(new Set([n1!, n2!, n3!].map((n) => n.liveNodes().join(',')))).toEqual(new Set(['n1,n2,n3'])))
  })

  it('[SYNC-2] a late joiner on any node gets exactly what it lacks', async () => {
    const db = await database()
    const nodes = await natsCluster(db, 3)
    const writers = nodes.map((n, i) => {
      const w = new DocClient('late:1')
      cleanup.push(async () => w.close())
      return { w, n, i }
    })
    for (const { w, n } of writers) await w.connect(n.wsUrl)
    const joiner = new DocClient('late:1')
    await joiner.connect(nodes[0]!.wsUrl)
    writers[0]!.w.edit((d) => d.getText('t').insert(0, 'early '))
    await writers[0]!.w.acked(undefined, 20_000)
    await eventually(() => expect(joiner.doc.getText('t').toString()).toBe('early '), 20_000)
    const had = joiner.doc.versionVector()
    joiner.close()
    // While the joiner is away, every node takes writes.
    for (const { w, i } of writers) {
      for (let k = 0; k < 5; k++) w.edit((d) => d.getText('t').insert(0, `n${i + 1}.${k} `))
      await w.acked(undefined, 20_000)
    }
    const full = new Doc()
    for (const { w } of writers) full.applyDelta(w.doc.encodeDeltaSince({}))
    for (const [j, node] of nodes.entries()) {
      await eventually(async () => {
        const probe = new DocClient('late:1', Doc.load(joiner.doc.encodeState()))
        const reply = await probe.connect(node.wsUrl)
        probe.close()
        // Exactly what it lacks: the dots of the reply are those the full doc has beyond the joiner's vv, no more.
        // As sets: a delta lists its replicas in the order its doc met them, and each node met them as the bus
        // delivered them.
        const byReplica = (a: { replica: number }, b: { replica: number }) => a.replica - b.replica
        const got = inspectDelta(reply.delta)
          .ranges.filter((r) => r.to > r.from)
          .sort(byReplica)
        const lacks = inspectDelta(full.encodeDeltaSince(had))
          .ranges.filter((r) => r.to > r.from)
          .sort(byReplica)
        expect(got, `node ${j + 1}`).toEqual(lacks)
        expect(probe.doc.digest(), `node ${j + 1}`).toBe(full.digest())
      }, 20_000)
    }
  })

  it('[BUS-1] [BUS-2] half the bus messages dropped on purpose cost no data: every acked write reaches every node and client', async () => {
    const db = await database()
    const rand = seededRandom(SEED)
    let dropped = 0
    const hub = new InProcessBusHub({
      dropDelta: () => {
        const drop = rand() < 0.5
        if (drop) dropped++
        return drop
      },
    })
    const nodes: WeftServer[] = []
    for (let i = 1; i <= 3; i++) nodes.push(await startNode(db, `n${i}`, hub.connect(`n${i}`)))
    const writers = nodes.map((n) => {
      const w = new DocClient('drop:1')
      cleanup.push(async () => w.close())
      return { w, n }
    })
    for (const { w, n } of writers) await w.connect(n.wsUrl)
    const acked: string[] = []
    for (let round = 0; round < 30; round++) {
      for (const [i, { w }] of writers.entries()) w.edit((d) => d.getMap('m').set(`w${i}.${round}`, round))
      if (round % 5 === 4) {
        for (const [i, { w }] of writers.entries()) {
          await w.acked()
          for (let r = 0; r <= round; r++) acked.push(`w${i}.${r}`)
        }
      }
    }
    expect(dropped, `seed ${SEED}`).toBeGreaterThan(10)
    await eventually(() => {
      for (const { w } of writers) {
        const missing = acked.filter((k) => w.doc.getMap('m').get(k) === undefined)
        expect(missing, `seed ${SEED}`).toEqual([])
      }
      expect(new Set(writers.map(({ w }) => w.doc.digest())).size).toBe(1)
    }, 15_000)
    const rereads = await nodes[0]!.metrics.registry.getSingleMetricAsString('weft_bus_rereads_total')
    expect(rereads).toMatch(/reason="(gap|beat)"} [1-9]/)
  })
})
