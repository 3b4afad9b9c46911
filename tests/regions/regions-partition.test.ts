import { type Client, type DocHandle, whenFresh, whenSavedIn } from '@weft/client'
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

describe(`three regions, each its own PostgreSQL and NATS, real server processes (seed ${SEED})`, () => {
  let net: Regions
  const clients: Client[] = []
  beforeAll(async () => {
    net = await startRegions({ names: ['a', 'b', 'c'], nodesPerRegion: 1, delayMs: 20 })
  }, 120_000)
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
  }, 90_000)

  it('[LEVEL-1] quorum-acked writes survive wiping the region that acked them; server-level writes held only by a wiped region are lost (counted)', async () => {
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
    await expect(
      whenSavedIn(ha, 'all-regions', { regionUrl: net.get('a').httpUrl, timeoutMs: 500 }),
      'c is cut off: all-regions cannot resolve',
    ).rejects.toThrow(/not reached/)
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
})
