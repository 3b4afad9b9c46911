/**
 * Online shard moves under write load: two routers (ShardedStores, as two
 * server nodes would hold) write to a few docs and read them back while the
 * docs are moved between three shards again and again, one move abandoned
 * by its mover after the decision (recovery finishes it). The shards are
 * databases of a PostgreSQL cluster of the test's own
 * (max_prepared_transactions). Checked from the seeded history:
 * - no acked write lost and none applied twice: the final log holds every
 *   acked write once, at the seq it was acked with, seqs dense, each writer's
 *   writes in its issue order;
 * - no read goes back in time: every read is a prefix of the final log, holds
 *   every write acked before it started, and is at least as new as every read
 *   that ended before it started (across both routers);
 * - after the moves: no prepared transaction, the old copies deleted, the map
 *   places each doc where its data is.
 * WEFT_SHARD_SOAK=<seconds> runs longer; WEFT_SHARD_SEED repeats a run.
 */
import { seededRandom } from '@weft/crdt-core'
import { listPreparedOlderThan, ShardedStore, ShardMover, shardOf } from '@weft/server'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PgCluster, startPgCluster } from '../support/pg-cluster.js'

const SHARDS = ['s1', 's2', 's3'] as const
const DOCS = ['m:0', 'm:1', 'm:2']

const env = { cluster: undefined as PgCluster | undefined, catalogUrl: '', urls: {} as Record<string, string> }

beforeAll(async () => {
  const cluster = await startPgCluster()
  env.cluster = cluster
  env.catalogUrl = await cluster.createDatabase('weft_catalog')
  for (const s of SHARDS) env.urls[s] = await cluster.createDatabase(`weft_${s}`)
}, 120_000)

afterAll(async () => {
  await env.cluster?.destroy()
})

interface Write {
  readonly doc: string
  readonly key: string
  seq?: number
  ackedAt?: number
}
interface Read {
  readonly doc: string
  readonly start: number
  readonly end: number
  readonly keys: readonly string[]
}

const encode = (key: string) => new TextEncoder().encode(key)
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

it('[SHARD-1] [SHARD-2] moves docs between shards under write load, one router holding an old map: no acked write lost or applied twice, no read back in time, nothing left prepared', async () => {
  const seed = Number(process.env.WEFT_SHARD_SEED ?? Date.now() % 1_000_000)
  const seconds = Number(process.env.WEFT_SHARD_SOAK ?? 6)
  console.log(`[shard-moves] seed ${seed} (WEFT_SHARD_SEED=${seed} repeats it), ${seconds} s`)
  const rand = seededRandom(seed)
  const open = () => ShardedStore.open({ catalogUrl: env.catalogUrl, shards: env.urls, poolSize: 4 })
  const nodes = [await open(), await open()]
  const mover = new ShardMover(nodes[0] as ShardedStore)
  // A mover that "dies" right after its decision is logged: its participants stay prepared until recovery.
  const abandoning = new ShardMover(nodes[1] as ShardedStore, {
    onStep: (step) => {
      if (step === 'decided') throw new Error('mover gone after the decision')
    },
  })
  const writes: Write[] = []
  const reads: Read[] = []
  const stats = { moves: 0, abandoned: 0, recovered: 0, failedWrites: 0 }
  const started = Date.now()
  const running = () => Date.now() < started + seconds * 1_000 || (stats.moves < 6 && Date.now() < started + (seconds + 60) * 1_000)

  try {
    const writers = nodes.flatMap((node, n) =>
      DOCS.map(async (doc, d) => {
        for (let i = 0; running(); i++) {
          // Every third round a pipeline of three appends issued at once (their issue order must hold across a reroute).
          const batch = i % 3 === 0 ? 3 : 1
          const ws = Array.from({ length: batch }, (_, k) => ({ doc, key: `${doc}/n${n}/${i}.${k}` }) as Write)
          await Promise.all(
            ws.map(async (w) => {
              try {
                w.seq = await node.append(doc, { bytes: encode(w.key), ranges: [] })
                w.ackedAt = performance.now()
              } catch {
                stats.failedWrites++
              }
              writes.push(w)
            }),
          )
          if (d === 0) await sleep(2)
        }
      }),
    )
    const readers = nodes.flatMap((node) =>
      DOCS.map(async (doc) => {
        while (running()) {
          const start = performance.now()
          const loaded = await node.load(doc)
          const end = performance.now()
          expect(loaded.snapshot).toBeUndefined()
          expect(loaded.deltas.map((x) => x.seq)).toEqual(Array.from({ length: loaded.head.seq }, (_, i) => i + 1))
          reads.push({ doc, start, end, keys: loaded.deltas.map((x) => decode(x.bytes)) })
          await sleep(5)
        }
      }),
    )
    const moves = (async () => {
      await sleep(300)
      while (running()) {
        const doc = DOCS[Math.floor(rand() * DOCS.length)] as string
        await (nodes[0] as ShardedStore).refreshMap()
        const from = (nodes[0] as ShardedStore).route(doc)
        const others = SHARDS.filter((s) => s !== from)
        const to = others[Math.floor(rand() * others.length)] as string
        if (stats.moves === 2 && stats.abandoned === 0) {
          // The abandoned move: writes to the doc wait on its prepared lock until recovery commits it.
          await expect(abandoning.move({ doc, to })).rejects.toThrow(/in doubt/)
          stats.abandoned++
          await sleep(200)
          const report = await mover.recovery.runOnce()
          stats.recovered += report.committed
        } else {
          await mover.move({ doc, to, switchBelow: 16 })
        }
        stats.moves++
        await sleep(150 + rand() * 300)
      }
    })()
    await Promise.all([...writers, ...readers, moves])
    console.log(`[shard-moves] ${JSON.stringify({ ...stats, writes: writes.length, reads: reads.length })}`)
    expect(stats.moves).toBeGreaterThanOrEqual(6)
    expect(stats.recovered).toBe(2)

    // The final logs, read by a fresh router.
    const fresh = await open()
    try {
      for (const doc of DOCS) {
        const final = (await fresh.load(doc)).deltas.map((x) => decode(x.bytes))
        const seqOf = new Map(final.map((k, i) => [k, i + 1]))
        expect(seqOf.size, `${doc}: a write applied twice`).toBe(final.length)
        const acked = writes.filter((w) => w.doc === doc && w.seq !== undefined)
        expect(acked.length).toBeGreaterThan(10)
        const lost = acked.filter((w) => seqOf.get(w.key) !== w.seq).map((w) => `${w.key}@${w.seq} is at ${seqOf.get(w.key)}`)
        expect(lost, `${doc}: acked writes lost or moved (seed ${seed})`).toEqual([])
        // Each writer's writes in issue order (keys `doc/nN/i.k`).
        const byWriter = new Map<string, number[]>()
        for (const k of final) {
          const [, writer, pos] = /^[^/]+\/([^/]+)\/(.*)$/.exec(k) ?? []
          const list = byWriter.get(writer as string) ?? []
          list.push(Number(pos))
          byWriter.set(writer as string, list)
        }
        for (const [writer, list] of byWriter) expect(list, `${doc} ${writer} out of issue order`).toEqual([...list].sort((a, b) => a - b))
        // Reads: prefixes of the final log, holding every write acked before they started, never older than a read that ended before.
        const docReads = reads.filter((r) => r.doc === doc).sort((a, b) => a.start - b.start)
        const byEnd = [...docReads].sort((a, b) => a.end - b.end)
        let j = 0
        let newestEnded = 0
        for (const r of docReads) {
          expect(r.keys, `${doc}: a read that is not a prefix of the final log`).toEqual(final.slice(0, r.keys.length))
          while (j < byEnd.length && (byEnd[j] as Read).end < r.start) newestEnded = Math.max(newestEnded, (byEnd[j++] as Read).keys.length)
          expect(r.keys.length, `${doc}: a read went back in time (seed ${seed})`).toBeGreaterThanOrEqual(newestEnded)
          const missing = acked.filter((w) => (w.ackedAt as number) < r.start && (w.seq as number) > r.keys.length)
          expect(
            missing.map((w) => w.key),
            `${doc}: a read missed writes acked before it`,
          ).toEqual([])
        }
        // The map places the doc where its data is; the other shards hold no rows of it.
        await fresh.refreshMap()
        const home = shardOf(fresh.currentMap, doc)
        for (const [id, s] of fresh.shards) {
          const { rows } = await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM weft_deltas WHERE doc = $1', [doc])
          expect(rows[0]?.n, `${doc} on ${id} (home ${home})`).toBe(id === home ? final.length : 0)
        }
      }
      const pools = new Map([...fresh.shards].map(([id, s]) => [id, s.pool]))
      expect(await listPreparedOlderThan(pools, 0)).toEqual([])
    } finally {
      await fresh.close()
    }
  } finally {
    await Promise.all(nodes.map((n) => n.close()))
  }
}, 180_000)
