import { Doc, inspectDelta } from '@weft/crdt-core'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics } from '../metrics/metrics.js'
import { PostgresStore } from '../store/postgres-store.js'
import { Compactor } from '../sync/compactor.js'
import { type TestDatabase, createTestDatabase } from '../test-support/postgres-test-database.js'
import { DocOwnership } from './doc-ownership.js'
import type { NodeRegistry } from './node-registry.js'

/** A registry whose view of the live nodes the test sets (as each node's own view would be during a pause). */
function viewOf(node: string, live: string[]): NodeRegistry & { live(): readonly string[] } {
  return { node, live: () => live, start: async () => {}, onChange: () => {}, stop: async () => {} }
}

const DOC = 'fence:1'

describe('[LEASE-1] fencing of compaction between nodes', () => {
  let db: TestDatabase
  const closing: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of closing.splice(0)) await c()
    await db.drop()
  })

  it('a node paused past its lease does not compact a doc another node now owns: its write is fenced off, nothing is lost', async () => {
    db = await createTestDatabase()
    const [storeA, storeB] = [await PostgresStore.open({ url: db.url }), await PostgresStore.open({ url: db.url })]
    closing.push(
      () => storeA.close(),
      () => storeB.close(),
    )
    const writer = new Doc()
    const deltas: Uint8Array[] = []
    writer.on('delta', (d) => deltas.push(d))
    for (let i = 0; i < 30; i++) writer.getMap('m').set(`k${i}`, i)
    for (const d of deltas) await storeA.append(DOC, { bytes: d, ranges: inspectDelta(d).ranges })
    const metricsA = createMetrics()
    const metricsB = createMetrics()
    const logger = pino({ level: 'silent' })
    const docA = Doc.load(writer.encodeState())
    const docB = Doc.load(writer.encodeState())

    // Node A owns the doc, takes its lease (200 ms), then stops (SIGSTOP) before writing.
    let resume!: () => void
    const paused = new Promise<void>((r) => (resume = r))
    let claimedA = false
    const ownsA = new DocOwnership({ registry: viewOf('A', ['A']), store: storeA, leaseTtlMs: 200, metrics: metricsA })
    const compactorA = new Compactor({
      store: storeA,
      docOf: () => docA,
      threshold: 10,
      keepTail: 2,
      metrics: metricsA,
      logger,
      claim: async (doc, o) => {
        const lease = await ownsA.claim(doc, o)
        claimedA = lease !== undefined
        await paused
        return lease
      },
    })
    compactorA.loaded(DOC, 0, 0)
    for (let s = 1; s <= 30; s++) compactorA.appended(DOC, s)
    await until(() => claimedA)

    // A's registration lapses: in B's view only B is alive, so B owns the doc and takes the lease at a new epoch.
    await new Promise((r) => setTimeout(r, 300))
    const compactorB = new Compactor({
      store: storeB,
      docOf: () => docB,
      threshold: 10,
      keepTail: 2,
      metrics: metricsB,
      logger,
      claim: (doc, o) => new DocOwnership({ registry: viewOf('B', ['B']), store: storeB, leaseTtlMs: 60_000, metrics: metricsB }).claim(doc, o),
    })
    compactorB.loaded(DOC, 0, 0)
    for (let s = 1; s <= 30; s++) compactorB.appended(DOC, s)
    await until(async () => (await storeB.readSnapshot(DOC)) !== undefined)
    const byB = await storeB.readSnapshot(DOC)

    // A wakes up and carries on: its write must be refused.
    resume()
    await compactorA.close()
    await compactorB.close()
    expect(await metricsA.registry.getSingleMetricAsString('weft_errors_total')).toContain('code="compaction-fenced"} 1')
    expect(await metricsA.registry.getSingleMetricAsString('weft_compactions_total')).toContain('weft_compactions_total 0')
    expect(Array.from((await storeB.readSnapshot(DOC))?.bytes ?? [])).toEqual(Array.from(byB?.bytes ?? []))
    expect(await metricsB.registry.getSingleMetricAsString('weft_lease_moves_total')).toContain('weft_lease_moves_total 1')
    // Snapshot plus tail still hold every write.
    const { snapshot, deltas: tail } = await storeB.load(DOC)
    const rebuilt = snapshot ? Doc.load(snapshot.bytes) : new Doc()
    for (const d of tail) rebuilt.applyDelta(d.bytes)
    expect(rebuilt.digest()).toBe(writer.digest())
  })
})

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}
