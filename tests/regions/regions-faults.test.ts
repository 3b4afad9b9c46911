import type { Client, DocHandle } from '@weft/client'
import { seededRandom } from '@weft/crdt-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { elements, readEverywhere, regionClient, until } from './harness/readers.js'
import { type Regions, startRegions } from './harness/regions-run.js'

const SEED = Number(process.env.WEFT_SEED ?? Date.now() % 1_000_000)
/** `WEFT_REGIONS_SOAK=<seconds>` runs the seeded fault schedule that long instead of the short CI profile. */
const SOAK = Number(process.env.WEFT_REGIONS_SOAK ?? 0)
const FAULT_SECONDS = SOAK > 0 ? SOAK : 12
const NAMES = ['a', 'b', 'c'] as const
const replay = `replay with WEFT_SEED=${SEED}`

describe(`regions under seeded faults (${SOAK > 0 ? `soak ${SOAK} s` : 'CI profile'}; ${replay})`, () => {
  let net: Regions
  const clients: Client[] = []
  beforeAll(async () => {
    net = await startRegions({ names: NAMES, delayMs: 30 })
  }, 120_000)
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()))
    await net?.close()
  }, 60_000)

  it(
    '[REGION-1] [REGION-2] [REGION-3] links cut and healed, region nodes killed -9 and restarted, under writes in every region: every acked write in every region once, digests equal',
    async () => {
      const rnd = seededRandom(SEED)
      const doc = `faults:${SEED}`
      const handles = NAMES.map((r) => {
        const c = regionClient(net.get(r))
        clients.push(c)
        return c.doc(doc)
      }) as DocHandle[]
      const written = new Set<string>()
      let stop = false
      const writers = handles.map(async (h, i) => {
        for (let k = 0; !stop; k++) {
          const e = `${NAMES[i]}.${k}`
          h.doc.getList('set').push(e)
          written.add(e)
          await new Promise((r) => setTimeout(r, 20 + Math.floor(rnd() * 60)))
        }
      })
      const faults = { cuts: 0, kills: 0 }
      const end = Date.now() + FAULT_SECONDS * 1000
      while (Date.now() < end) {
        const x = NAMES[Math.floor(rnd() * 3)] as string
        const y = NAMES.filter((n) => n !== x)[Math.floor(rnd() * 2)] as string
        if (rnd() < 0.7) {
          net.setLink(x, y, true)
          faults.cuts++
          await new Promise((r) => setTimeout(r, 500 + Math.floor(rnd() * 2000)))
          net.setLink(x, y, false)
        } else {
          // kill -9 a region's only node; its clients retry, the region's store keeps what it acked.
          const node = net.get(x).nodes[0]!
          await node.kill()
          faults.kills++
          await new Promise((r) => setTimeout(r, 300 + Math.floor(rnd() * 1000)))
          await node.start()
        }
      }
      stop = true
      await Promise.all(writers)
      await Promise.all(handles.map((h) => h.whenSaved('server')))
      const healed = Date.now()
      await until(() => handles.every((h) => elements(h).length >= written.size), 60_000, 'every region holds every write').catch(() => {})
      const live = handles.map((h) => elements(h).length).join('/')
      process.stdout.write(
        `[regions] seed ${SEED}: ${JSON.stringify(faults)}, ${written.size} writes; live clients hold ${live} ${Date.now() - healed} ms after the last fault\n`,
      )
      const reads = await readEverywhere([...net.regions.values()], doc, written, 30_000)
      for (const r of reads) {
        expect(
          [...written].filter((e) => !r.elements.includes(e)),
          `${r.region}: lost (${replay})`,
        ).toEqual([])
        expect(
          r.elements.filter((e, i) => r.elements.indexOf(e) !== i),
          `${r.region}: duplicated (${replay})`,
        ).toEqual([])
      }
      expect(new Set(reads.map((r) => r.digest)).size, `digests differ (${replay})`).toBe(1)
      expect(faults.cuts + faults.kills).toBeGreaterThan(2)
    },
    (FAULT_SECONDS + 200) * 1000,
  )
})
