import type { Client, DocHandle } from '@weft/client'
import { seededRandom } from '@weft/crdt-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { elements, readEverywhere, regionClient, until } from './harness/readers.js'
import { type Regions, startRegions } from './harness/regions-run.js'
import { RoamingSession, checkWritesFollowReads, watchWritesFollowReads } from './harness/session-checker.js'

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
    // Seeded one-way delays between 40 and 150 ms per pair (printed by the harness).
    const d = seededRandom(SEED + 7)
    const delays = new Map<string, number>()
    net = await startRegions({
      names: NAMES,
      antiEntropyMs: 3000,
      delayMs: (a, b) => delays.get(`${a}${b}`) ?? (delays.set(`${a}${b}`, 40 + Math.floor(d() * 111)).get(`${a}${b}`) as number),
    })
  }, 300_000)
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()))
    await net?.close()
  }, 60_000)

  it(
    '[REGION-1] [REGION-2] [REGION-3] [FRESH-1] links cut and healed, nodes, PostgreSQL and NATS of a region killed -9 and restarted, under writes in every region and a user roaming between regions: every acked write in every region once, digests equal, session guarantees held, no divergence alarm',
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
      // A user hopping between regions, checked for read-your-writes and monotonic reads on every hop,
      // and every live writer handle watching that the user's writes never show up without what the user had read.
      const session = new RoamingSession(doc, 'roam')
      const wfr: string[] = []
      const unwatch = handles.map((h, i) => watchWritesFollowReads(session, h, `live client in ${NAMES[i]}`, wfr))
      const roamRnd = seededRandom(SEED + 1)
      const roaming = (async () => {
        // Hops on for the whole fault window, and at least 3 fresh hops in all.
        while (!stop || (session.report.hops - session.report.staleHops < 3 && session.report.hops < 20)) {
          await session.hop(net.get(NAMES[Math.floor(roamRnd() * 3)] as string))
          await new Promise((r) => setTimeout(r, 200 + Math.floor(roamRnd() * 600)))
        }
      })()
      const faults = { cuts: 0, nodeKills: 0, pgKills: 0, natsKills: 0 }
      const end = Date.now() + FAULT_SECONDS * 1000
      // Every kind of fault at least once (in a seeded order), then seeded picks until the window closes.
      const kinds = [0.1, 0.6, 0.8, 0.95].sort(() => rnd() - 0.5)
      let n = 0
      while (Date.now() < end || n < kinds.length) {
        const x = NAMES[Math.floor(rnd() * 3)] as string
        const y = NAMES.filter((n) => n !== x)[Math.floor(rnd() * 2)] as string
        const f = kinds[n++] ?? rnd()
        const region = net.get(x)
        if (f < 0.55) {
          net.setLink(x, y, true)
          faults.cuts++
          await new Promise((r) => setTimeout(r, 500 + Math.floor(rnd() * 2000)))
          net.setLink(x, y, false)
        } else if (f < 0.75) {
          // kill -9 a region's only node; its clients retry, the region's store keeps what it acked.
          const node = region.nodes[0]!
          await node.kill()
          faults.nodeKills++
          await new Promise((r) => setTimeout(r, 300 + Math.floor(rnd() * 1000)))
          await node.start()
        } else if (f < 0.9) {
          // kill -9 of the region's PostgreSQL: writes there fail until crash recovery; acked ones are in its WAL.
          await region.crashPg()
          faults.pgKills++
          await new Promise((r) => setTimeout(r, 300 + Math.floor(rnd() * 1000)))
          await region.startPg()
        } else {
          await region.killNats()
          faults.natsKills++
          await new Promise((r) => setTimeout(r, 300 + Math.floor(rnd() * 1000)))
          await region.startNats()
        }
      }
      stop = true
      await Promise.all(writers)
      await roaming
      await Promise.all(handles.map((h) => h.whenSaved('server')))
      const healed = Date.now()
      await until(() => handles.every((h) => elements(h).length >= written.size), 60_000, 'every region holds every write').catch(() => {})
      const live = handles.map((h) => elements(h).length).join('/')
      process.stdout.write(
        `[regions] seed ${SEED}: ${JSON.stringify(faults)}, ${written.size} writes; live clients hold ${live} ${Date.now() - healed} ms after the last fault\n`,
      )
      const reads = await readEverywhere([...net.regions.values()], doc, written, 30_000)
      if (reads.some((r) => [...written].some((e) => !r.elements.includes(e)))) {
        // What each region's store holds of the writers' replicas, to tell a hole in a store from a stale node.
        const writers = Object.fromEntries(handles.map((h, i) => [h.doc.replicaId, NAMES[i]]))
        for (const r of net.regions.values()) {
          const rows = await r.query('SELECT replica, counter FROM weft_doc_replicas WHERE doc = $1', [doc]).catch((e: Error) => ({ rows: [e.message] }))
          process.stdout.write(`[regions] seed ${SEED}: store of ${r.name}: ${JSON.stringify(rows.rows)}; writers ${JSON.stringify(writers)}\n`)
        }
      }
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
      for (const u of unwatch) u()
      for (const r of reads) wfr.push(...checkWritesFollowReads(session, r.elements, `fresh reader in ${r.region}`))
      process.stdout.write(
        `[regions] seed ${SEED}: session ${session.report.hops} hops (${session.report.staleHops} waited out on a cut-off region), ${session.report.violations.length + wfr.length} violations\n`,
      )
      expect(session.report.violations, `read-your-writes / monotonic reads (${replay})`).toEqual([])
      expect(wfr, `writes-follow-reads (${replay})`).toEqual([])
      expect(session.report.hops - session.report.staleHops, 'the session really hopped').toBeGreaterThan(1)
      let alarms = 0
      for (const r of net.regions.values()) alarms += await r.metric('weft_region_divergence_total')
      expect(alarms, `divergence alarms on a run with no corruption (${replay})`).toBe(0)
      expect(Math.min(faults.cuts, faults.nodeKills, faults.pgKills, faults.natsKills), 'every kind of fault ran').toBeGreaterThan(0)
    },
    (FAULT_SECONDS + 200) * 1000,
  )
})
