/**
 * [STRONG-FAIR-1] One hot counter, one client per region, every client adding
 * as fast as its answers come back, with 20 ms one-way WAN delays between the
 * three regions (JetStream R=3, one replica per region; see strong-regions.ts).
 *
 * Ops are optimistic (read, then a conditional write). Run where each client's
 * weft node is, a far region's read-to-write window spanned several WAN round
 * trips against a fraction of a millisecond in the leader's region, so the far
 * regions lost every race and gave up ('contention'): before the fix, a run
 * like this one decided every op of the leader's region and none of the two
 * others. Each weft node now hands its ops to the node at the stream leader,
 * which runs them one at a time in arrival order.
 *
 * Must hold: no region starves. Ops are decided one at a time in the order
 * they reach the leader's node, and every client has its next op there before
 * the one ahead of it is decided (a decide costs a Raft round, longer than a
 * far op's extra WAN round trip), so each client gets about a third: held as
 * every region deciding at least half of what the busiest decided (a run:
 * 158 / 151 / 151 in 20 s; before the fix 451 / 0 / 0). No op may give up with
 * 'contention', and the history with a final read must be linearizable
 * (tests/checkers). CI: 20 s; WEFT_STRONG_SOAK=<s> runs longer.
 */
import { type Client, createClient, memoryStorage } from '@weft/client'
import { isWeftOutcomeUnknownError, isWeftUnavailableError } from '@weft/server'
import { expect, it } from 'vitest'
import type { CounterOutput } from '../checkers/models.js'
import { checkHistory, newHistory, sleep, soakSeconds, soakTimeout } from './strong-history.js'
import { startStrongRegions, strongRegionsUnavailable } from './strong-regions.js'

const REGIONS = ['a', 'b', 'c'] as const
const ONE_WAY_MS = 20

const why = strongRegionsUnavailable()
if (why) console.log(`[strong-region-fairness] SKIPPED: ${why}`)

it.skipIf(why !== undefined)(
  'one hot counter, one client per region, 20 ms one-way: every region decides a fair share, none gives up on contention, the history is linearizable',
  async () => {
    const seconds = soakSeconds() ?? 20
    const net = await startStrongRegions({ names: REGIONS, delayMs: () => ONE_WAY_MS })
    const clients: Client[] = []
    const history = newHistory()
    const decided = new Map<string, number>(REGIONS.map((r) => [r, 0]))
    const failures = new Map<string, string[]>(REGIONS.map((r) => [r, []]))
    try {
      for (const r of REGIONS) {
        clients.push(
          createClient({
            url: [net.node(r).wsUrl],
            storage: memoryStorage(),
            tabs: false,
            online: false,
            backoff: { baseMs: 50, maxMs: 400 },
            strongTimeoutMs: 10_000,
          }),
        )
      }
      await Promise.all(
        clients.map(async (c) => {
          const end = Date.now() + 30_000
          while (!c.strong.available && Date.now() < end) await sleep(50)
        }),
      )
      const leader = await net.leaderRegion('a')
      console.log(`[strong-region-fairness] stream leader in region ${leader}; ${seconds} s`)
      const stopAt = Date.now() + seconds * 1000
      await Promise.all(
        REGIONS.map(async (r, i) => {
          const c = clients[i] as Client
          while (Date.now() < stopAt) {
            const call = performance.now()
            try {
              const output: CounterOutput = await c.strong.add('hot', 1, { min: 0, max: Number.MAX_SAFE_INTEGER })
              history.counters.push({
                client: r,
                input: { kind: 'add', key: 'hot', n: 1, min: 0, max: Number.MAX_SAFE_INTEGER },
                call,
                ret: performance.now(),
                output,
              })
              decided.set(r, (decided.get(r) ?? 0) + 1)
            } catch (e) {
              if (isWeftOutcomeUnknownError(e)) {
                history.counters.push({ client: r, input: { kind: 'add', key: 'hot', n: 1, min: 0, max: Number.MAX_SAFE_INTEGER }, call, ret: undefined })
              } else if (!isWeftUnavailableError(e)) throw e
              failures.get(r)?.push((e as Error).message)
              await sleep(50)
            }
          }
        }),
      )
      const call = performance.now()
      const final = await (clients[0] as Client).strong.readCounter('hot')
      history.counters.push({ client: 'final', input: { kind: 'read', key: 'hot' }, call, ret: performance.now(), output: final })

      const counts = Object.fromEntries(decided)
      console.log(`[strong-region-fairness] decided per region ${JSON.stringify(counts)}; failures ${JSON.stringify(Object.fromEntries(failures))}`)
      const busiest = Math.max(...decided.values())
      for (const r of REGIONS) {
        expect(decided.get(r), `region ${r} decided ${decided.get(r)} of the busiest region's ${busiest}`).toBeGreaterThanOrEqual(busiest / 2)
        expect(
          failures.get(r)?.filter((m) => m.includes('contention')),
          `region ${r} gave up on contention`,
        ).toEqual([])
      }
      expect(checkHistory(history)).toBeUndefined()
    } catch (error) {
      console.log(await net.logs())
      throw error
    } finally {
      for (const c of clients) await c.close()
      await net.close()
    }
  },
  soakTimeout(180_000),
)
