import { type Client, createClient, measureHealth, whenFresh } from '@weft/client'
import { seededRandom } from '@weft/crdt-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { elements, readEverywhere, until } from './harness/readers.js'
import { type Regions, startRegions } from './harness/regions-run.js'
import { quickClientOptions } from '../support/quick-client.js'

const SEED = Number(process.env.WEFT_SEED ?? Date.now() % 1_000_000)
const replay = `replay with WEFT_SEED=${SEED}`

describe(`a client given two regions, the nearest killed -9 mid-edits and restarted (${replay})`, () => {
  let net: Regions
  let client: Client | undefined
  beforeAll(async () => {
    net = await startRegions({ names: ['near', 'far'], delayMs: 30, antiEntropyMs: 2000 })
  }, 300_000)
  afterAll(async () => {
    await client?.close()
    await net?.close()
  }, 60_000)

  it('[REGION-CLIENT-1] [REGION-CLIENT-2] [REGION-CLIENT-3] [FRESH-1] fails over to the other region with 0 edits lost or duplicated, keeps session guarantees, and returns to the nearest once it is back', async () => {
    const near = net.get('near')
    const far = net.get('far')
    const nearUrl = near.nodes[0]!.wsUrl
    const farUrl = far.nodes[0]!.wsUrl
    const switches: string[] = []
    client = createClient({
      url: {
        regions: [farUrl, nearUrl],
        // This machine's clients are equally close to both regions (the harness' uplink has no delay):
        // the far one is made far by adding 60 ms to its measured round trip. Up / down is measured for real.
        measure: async (url, signal) => (await measureHealth(url, signal)) + (url === farUrl ? 60 : 0),
        probeEveryMs: 250,
        probeTimeoutMs: 1_000,
        returnAfter: 3,
        dwellMs: 2_000,
        onSwitch: (from, to, why) => switches.push(`${why} ${from === nearUrl ? 'near' : 'far'} -> ${to === nearUrl ? 'near' : 'far'}`),
      },
      ...quickClientOptions(),
    })
    const doc = `nearest:${SEED}`
    const h = client.doc(doc)
    const rnd = seededRandom(SEED)
    const written: string[] = []
    let stop = false
    const writer = (async () => {
      for (let k = 0; !stop; k++) {
        h.doc.getList('set').push(`e.${k}`)
        written.push(`e.${k}`)
        await new Promise((r) => setTimeout(r, 10 + Math.floor(rnd() * 30)))
      }
    })()
    await h.whenSaved('server')
    await new Promise((r) => setTimeout(r, 1_000 + Math.floor(rnd() * 500)))
    expect(switches, 'started on the nearest region').toEqual([])
    const seen = h.doc.versionVector()
    await near.nodes[0]!.kill()
    await until(() => switches.includes('failover near -> far'), 15_000, 'failover to far')
    // Session guarantee across the failover: far holds everything the client had seen in near (re-sent from its outbox if need be).
    await whenFresh(h, 'session', { regionUrl: far.httpUrl, seen, timeoutMs: 20_000 })
    await new Promise((r) => setTimeout(r, 1_000))
    await near.nodes[0]!.start()
    await until(() => switches.includes('return far -> near'), 30_000, 'return to near')
    await new Promise((r) => setTimeout(r, 500))
    stop = true
    await writer
    await h.whenSaved('server')
    expect(switches, 'one failover, one return: no flapping').toEqual(['failover near -> far', 'return far -> near'])
    expect(new Set(elements(h)).size).toBe(written.length)
    const reads = await readEverywhere([near, far], doc, new Set(written), 30_000)
    for (const r of reads) {
      const lost = written.filter((e) => !r.elements.includes(e))
      const dup = r.elements.filter((e, i) => r.elements.indexOf(e) !== i)
      expect(lost, `${r.region}: edits lost (${replay})`).toEqual([])
      expect(dup, `${r.region}: edits duplicated (${replay})`).toEqual([])
    }
    process.stdout.write(`[regions] seed ${SEED}: ${written.length} edits across a kill -9 of the nearest region; switches ${switches.join(', ')}\n`)
  }, 180_000)
})
