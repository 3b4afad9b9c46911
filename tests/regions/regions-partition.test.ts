import { type Client, type DocHandle, WeftLevelTimeoutError, whenFresh, whenSavedIn } from '@weft/client'
import { seededRandom } from '@weft/crdt-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { elements, readEverywhere, regionClient, until } from './harness/readers.js'
import { type Regions, startRegions } from './harness/regions-run.js'

const SEED = Number(process.env.WEFT_SEED ?? Date.now() % 1_000_000)
const replay = `replay with WEFT_SEED=${SEED}`

/** Writes `n` unique elements to `h` at a seeded pace; resolves once the region acked them all. */
async function writeSome(h: DocHandle, prefix: string, n: number, rnd: () => number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const e = `${prefix}.${i}`
    h.doc.getList('set').push(e)
    out.push(e)
    await new Promise((r) => setTimeout(r, Math.floor(rnd() * 15)))
  }
  await h.whenSaved('server')
  return out
}

function checkSet(doc: string, expected: ReadonlySet<string>, reads: { region: string; elements: string[]; digest: string }[]): void {
  for (const r of reads) {
    const lost = [...expected].filter((e) => !r.elements.includes(e))
    const dup = r.elements.filter((e, i) => r.elements.indexOf(e) !== i)
    const unexpected = r.elements.filter((e) => !expected.has(e))
    expect(lost, `${doc} in ${r.region}: acked writes lost (${replay})`).toEqual([])
    expect(dup, `${doc} in ${r.region}: duplicated (${replay})`).toEqual([])
    expect(unexpected, `${doc} in ${r.region}: never written (${replay})`).toEqual([])
  }
  expect(new Set(reads.map((r) => r.digest)).size, `${doc}: digests differ between regions (${replay})`).toBe(1)
}

/** Seeded one-way delays between 40 and 150 ms, printed by the harness. */
function wanDelays(seed: number): (a: string, b: string) => number {
  const rnd = seededRandom(seed)
  const memo = new Map<string, number>()
  return (a, b) => {
    const k = `${a}|${b}`
    if (!memo.has(k)) memo.set(k, 40 + Math.floor(rnd() * 111))
    return memo.get(k) as number
  }
}

async function alarms(net: Regions): Promise<number> {
  let n = 0
  for (const r of net.regions.values()) n += await r.metric('weft_region_divergence_total')
  return n
}

describe(`three regions, each its own network namespace, PostgreSQL cluster and NATS, real server processes (seed ${SEED})`, () => {
  let net: Regions
  const clients: Client[] = []
  beforeAll(async () => {
    net = await startRegions({ names: ['a', 'b', 'c'], nodesPerRegion: 1, delayMs: wanDelays(SEED), antiEntropyMs: 2000 })
  }, 300_000)
  afterAll(async () => {
    if (process.env.WEFT_REGIONS_LOGS)
      for (const r of net.regions.values()) for (const n of r.nodes) process.stdout.write(`--- ${n.id}\n${n.logs().join('\n')}\n`)
    await Promise.allSettled(clients.map((c) => c.close()))
    await net?.close()
  }, 60_000)
  const client = (region: string): Client => {
    const c = regionClient(net.get(region))
    clients.push(c)
    return c
  }

  it('[REGION-1] [REGION-3] writes in every region, a cut region keeps writing, and after the heal every region converges by digest with no manual step', async () => {
    const rnd = seededRandom(SEED)
    const doc = `list:${SEED}`
    const [ha, hb, hc] = ['a', 'b', 'c'].map((r) => client(r).doc(doc)) as [DocHandle, DocHandle, DocHandle]
    const expected = new Set<string>()
    const add = (xs: string[]) => {
      for (const x of xs) expected.add(x)
    }
    add((await Promise.all([writeSome(ha, 'a0', 20, rnd), writeSome(hb, 'b0', 20, rnd), writeSome(hc, 'c0', 20, rnd)])).flat())
    // Live replication: every region sees the others' writes without a partition.
    await until(() => elements(ha).length === 60 && elements(hb).length === 60 && elements(hc).length === 60, 20_000, 'live replication')

    net.isolate('a', true)
    add((await Promise.all([writeSome(ha, 'a1', 30, rnd), writeSome(hb, 'b1', 30, rnd), writeSome(hc, 'c1', 30, rnd)])).flat())
    await new Promise((r) => setTimeout(r, 500))
    expect(
      elements(ha).some((e) => e.startsWith('b1')),
      'a cut-off region must not see the other side',
    ).toBe(false)
    expect(
      elements(hb).some((e) => e.startsWith('c1')),
      'b and c still replicate',
    ).toBe(true)

    const healed = Date.now()
    net.isolate('a', false)
    await until(() => [ha, hb, hc].every((h) => elements(h).length === expected.size), 30_000, 'convergence after heal')
    const convergeMs = Date.now() - healed
    process.stdout.write(`[regions] seed ${SEED}: ${expected.size} elements; converged ${convergeMs} ms after the heal\n`)
    checkSet(doc, expected, await readEverywhere([...net.regions.values()], doc, expected, 20_000))
    // A pass of anti-entropy compares digests of equal version vectors: nothing was corrupted, so no alarm.
    await new Promise((r) => setTimeout(r, 4500))
    expect(await alarms(net), `divergence alarms on a normal run (${replay})`).toBe(0)
  }, 120_000)

  it('[LEVEL-1] [LEVEL-2] quorum-acked writes survive wiping the region that acked them (an all-regions wait times out with the regions that had them); server-level writes held only by a wiped region are lost (counted)', async () => {
    const rnd = seededRandom(SEED + 1)
    const doc = `levels:${SEED}`
    // Region c is cut off: what it acks at `server` lives only there.
    net.isolate('c', true)
    const wc = client('c')
    const hc = wc.doc(doc)
    const serverOnly = await writeSome(hc, 'c-server', 25, rnd)
    await wc.close()

    // Writes to a at quorum: a and b hold them before the promise resolves (c is unreachable).
    const wa = client('a')
    const ha = wa.doc(doc)
    const quorum: string[] = []
    const t0 = Date.now()
    for (let i = 0; i < 15; i++) {
      const e = `a-quorum.${i}`
      ha.doc.getList('set').push(e)
      const regions = await whenSavedIn(ha, 'quorum', { regionUrl: net.get('a').httpUrl, timeoutMs: 15_000 })
      expect(regions.length, 'quorum of 3 is 2').toBeGreaterThanOrEqual(2)
      quorum.push(e)
    }
    const quorumMs = (Date.now() - t0) / quorum.length
    // [LEVEL-2] c is cut off: all-regions cannot resolve. The caller's timeout rejects with a typed
    // error naming the regions that had the write; the write itself stands and keeps travelling.
    const timedOut = await whenSavedIn(ha, 'all-regions', { regionUrl: net.get('a').httpUrl, timeoutMs: 500 }).catch((e: unknown) => e)
    expect(timedOut, 'c is cut off: all-regions cannot resolve').toBeInstanceOf(WeftLevelTimeoutError)
    expect([...(timedOut as WeftLevelTimeoutError).regions].sort()).toEqual(['a', 'b'])
    expect(ha.doc.getList('set').toJSON()).toEqual(expect.arrayContaining(quorum))
    await wa.close()

    // Destroy region a (its database dropped, its NATS killed with its data) and region c, then bring both back empty.
    await net.get('a').wipe()
    await net.get('c').wipe()
    await net.get('a').up()
    await net.get('c').up()
    net.isolate('c', false)

    const survivors = new Set(quorum)
    const reads = await readEverywhere([...net.regions.values()], doc, survivors, 30_000)
    for (const r of reads) {
      const lost = quorum.filter((e) => !r.elements.includes(e))
      expect(lost, `${r.region}: quorum-acked writes lost after wiping a and c (${replay})`).toEqual([])
    }
    const serverLost = serverOnly.filter((e) => !reads.some((r) => r.elements.includes(e))).length
    process.stdout.write(
      `[regions] seed ${SEED}: ${quorum.length} quorum writes (${quorumMs.toFixed(0)} ms each) all kept after wiping a; ${serverLost} of ${serverOnly.length} server-level writes lost with cut-off region c\n`,
    )
    // The trade-off the level names: acked at `server` in a region that was cut off and then destroyed.
    expect(serverLost).toBe(serverOnly.length)
    expect(new Set(reads.map((r) => r.digest)).size, `digests differ (${replay})`).toBe(1)
  }, 120_000)

  it('[FRESH-1] session guarantees when a client moves region: read-your-writes, monotonic reads, writes-follow-reads', async () => {
    const doc = `session:${SEED}`
    // Slow the path to c so a moved client would read stale data without the session check.
    net.setLink('a', 'c', true)
    net.setLink('b', 'c', true)
    const ca = client('a')
    const ha = ca.doc(doc)
    ha.doc.getList('set').push('x-written-in-a')
    await ha.whenSaved('server')
    const seen = ha.doc.versionVector()
    // The user moves to region c, carrying the version vector of what it wrote and read.
    const cc = client('c')
    const hc = cc.doc(doc)
    const fresh = whenFresh(hc, 'session', { regionUrl: net.get('c').httpUrl, seen, timeoutMs: 20_000 })
    await new Promise((r) => setTimeout(r, 300))
    expect(elements(hc), 'c cannot have it yet: the link is cut').toEqual([])
    net.setLink('a', 'c', false)
    net.setLink('b', 'c', false)
    await fresh
    // Read-your-writes and monotonic reads: once fresh, c shows everything the session saw.
    expect(elements(hc)).toContain('x-written-in-a')
    // Writes-follow-reads: a write made in c after reading x is never visible anywhere without x.
    hc.doc.getList('set').push('y-after-x')
    await hc.whenSaved('server')
    const cb = client('b')
    const hb = cb.doc(doc)
    await until(() => elements(hb).includes('y-after-x'), 20_000, 'y reaches b')
    const order = elements(hb)
    expect(order.indexOf('x-written-in-a'), 'b shows y only together with x').toBeGreaterThanOrEqual(0)
  }, 60_000)
  it('[LEVEL-1] all-regions-acked writes survive wiping two regions right after the ack; quorum- and server-level writes lost to it are counted', async () => {
    const rnd = seededRandom(SEED + 2)
    const doc = `levels2:${SEED}`
    const wa = client('a')
    const ha = wa.doc(doc)
    const at = { all: [] as string[], quorum: [] as string[], server: [] as string[] }
    const regionUrl = net.get('a').httpUrl
    // Levels are causal, so an ack at a level covers every earlier write too: write the strongest first.
    for (let i = 0; i < 10; i++) {
      const e = `all.${i}`
      ha.doc.getList('set').push(e)
      const regions = await whenSavedIn(ha, 'all-regions', { regionUrl, timeoutMs: 20_000 })
      expect(regions.length, 'all-regions is 3 of 3').toBe(3)
      at.all.push(e)
    }
    const quorumHolders: string[][] = []
    for (let i = 0; i < 10; i++) {
      const e = `quorum.${i}`
      ha.doc.getList('set').push(e)
      quorumHolders.push([...(await whenSavedIn(ha, 'quorum', { regionUrl, timeoutMs: 20_000 }))])
      at.quorum.push(e)
    }
    for (let i = 0; i < 10; i++) {
      const e = `server.${i}`
      ha.doc.getList('set').push(e)
      await ha.whenSaved('server')
      at.server.push(e)
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 5)))
    }
    // Right after the last ack: destroy a and the region that answered the last quorum with it.
    const other = quorumHolders.at(-1)?.find((r) => r !== 'a') ?? 'b'
    const survivor = ['b', 'c'].find((r) => r !== other) as string
    await Promise.all([net.get('a').wipe(), net.get(other).wipe()])
    await wa.close()
    await Promise.all([net.get('a').up(), net.get(other).up()])
    const reads = await readEverywhere([...net.regions.values()], doc, new Set(at.all), 45_000)
    const lost = (xs: string[]) => xs.filter((e) => !reads.some((r) => r.elements.includes(e))).length
    for (const r of reads) {
      expect(
        at.all.filter((e) => !r.elements.includes(e)),
        `${r.region}: all-regions-acked writes lost after wiping a and ${other} (${replay})`,
      ).toEqual([])
    }
    process.stdout.write(
      `[regions] seed ${SEED}: wiped a and ${other} right after the acks, ${survivor} survived: all-regions lost ${lost(at.all)}/${at.all.length}, quorum lost ${lost(at.quorum)}/${at.quorum.length}, server lost ${lost(at.server)}/${at.server.length}\n`,
    )
    expect(new Set(reads.map((r) => r.digest)).size, `digests differ (${replay})`).toBe(1)
  }, 180_000)

  it("[REGION-5] a corruption written behind the protocol's back (delta rows deleted, head kept) is found by digest, alarmed and healed by state exchange", async () => {
    const doc = `diverge:${SEED}`
    const wa = client('a')
    const ha = wa.doc(doc)
    const written: string[] = []
    // One delta per element (each acked before the next), so the log has rows to lose.
    for (let i = 0; i < 30; i++) {
      ha.doc.getList('set').push(`d.${i}`)
      written.push(`d.${i}`)
      await ha.whenSaved('server')
    }
    await whenSavedIn(ha, 'all-regions', { regionUrl: net.get('a').httpUrl, timeoutMs: 30_000 })
    await wa.close()
    const before = await alarms(net)
    // Region b's node goes down (so nothing is served from its memory), rows vanish from its store, it comes back.
    const b = net.get('b')
    await b.nodes[0]!.kill()
    const { rowCount } = await b.query(
      'DELETE FROM weft_deltas WHERE doc = $1 AND seq IN (SELECT seq FROM weft_deltas WHERE doc = $1 ORDER BY seq LIMIT 3 OFFSET 5)',
      [doc],
    )
    expect(rowCount, 'the corruption removed rows').toBeGreaterThan(0)
    await b.nodes[0]!.start()
    const found = await until(async () => (await alarms(net)) > before, 30_000, 'a divergence alarm')
    // Any region may raise it (c compares with b too), and a line reaches the captured log after the metric moved.
    const logged = () => [...net.regions.values()].some((r) => r.nodes.some((n) => n.logs().some((l) => l.includes('region-divergence'))))
    await until(async () => logged(), 10_000, 'a region-divergence log line')
    const reads = await readEverywhere([...net.regions.values()], doc, new Set(written), 30_000)
    checkSet(doc, new Set(written), reads)
    process.stdout.write(`[regions] seed ${SEED}: ${rowCount} delta rows deleted in b; divergence alarmed after ${found} ms and healed\n`)
  }, 120_000)
})
