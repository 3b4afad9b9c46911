import { describe, expect, it } from 'vitest'
import { runCluster } from './harness/cluster-run.js'

const SEED = Number(process.env.WEFT_SEED ?? Date.now() % 1_000_000)
/** `WEFT_CLUSTER_SOAK=<seconds>` runs the same scenario for that long (hours, say) instead of the CI profile. */
const SOAK = Number(process.env.WEFT_CLUSTER_SOAK ?? 0)
const FAULT_SECONDS = SOAK > 0 ? SOAK : Number(process.env.WEFT_CLUSTER_SECONDS ?? 75)
const MIN_KILLS = SOAK > 0 ? 0 : 20

describe(`cluster under faults (${SOAK > 0 ? `soak ${SOAK} s` : 'CI profile'}; replay with WEFT_SEED=${SEED})`, () => {
  it(
    '[ACK-2] [BUS-1] [LEASE-1] real nodes over PostgreSQL and NATS, killed -9, paused, NATS and PostgreSQL connections cut: 0 acked writes lost, 0 duplicated, every replica equal by digest',
    async () => {
      const result = await runCluster({
        seed: SEED,
        faultSeconds: FAULT_SECONDS,
        nodes: 4,
        minKills: MIN_KILLS,
        // A busy machine restarts nodes slowly: keep going (bounded) until 20 kills.
        maxFaultSeconds: FAULT_SECONDS + 150,
        faultEveryMs: SOAK > 0 ? 5000 : 2200,
        log: (line) => process.stdout.write(`[cluster] ${line}\n`),
      })
      const summary = Object.entries(result.reports).map(
        ([doc, r]) => `${doc}: ${r.acked} acked, ${r.lost.length} lost, ${r.duplicated.length} duplicated, ${r.neverRead.length} never read`,
      )
      process.stdout.write(`[cluster] seed ${SEED}: ${JSON.stringify(result.faults)}, ${result.writes} writes in ${result.seconds} s; ${summary.join('; ')}\n`)
      const replay = `replay with WEFT_SEED=${SEED}`
      for (const [doc, r] of Object.entries(result.reports)) {
        expect(r.lost, `${doc}: acked writes lost (${replay})`).toEqual([])
        expect(r.duplicated, `${doc}: duplicated (${replay})`).toEqual([])
        expect(r.unexpected, `${doc}: never written (${replay})`).toEqual([])
        expect(r.acked, doc).toBeGreaterThan(100)
      }
      for (const [doc, replicas] of Object.entries(result.divergent)) expect(replicas, `${doc}: digests differ (${replay})`).toEqual([])
      expect(result.faults.kills, replay).toBeGreaterThanOrEqual(MIN_KILLS)
    },
    (FAULT_SECONDS + 330) * 1000,
  )
})
