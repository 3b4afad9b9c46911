import { describe, expect, it } from 'vitest'
import { runSeeds } from './run-seeds.js'

/**
 * Defines one shard of the CI schedules of the production client. The 1,000
 * schedules are split over 4 files so vitest runs them in parallel.
 */
export function defineScheduleShard(part: number): void {
  const perPart = Number(process.env['WEFT_SIM_SEEDS_PER_PART'] ?? 250)
  describe.skipIf(process.env['WEFT_SIM_SEED'] !== undefined)(`simulation schedules, part ${part}`, () => {
    it(`[SIM-1] [SIM-2] [SIM-3] [CLIENT-SIM-1] ${perPart} seeded schedules of the production client converge, lose and duplicate nothing, and settle`, async () => {
      const s = await runSeeds(1 + part * perPart, perPart)
      console.log(`part ${part}: ${s.runs} runs, max settle rounds ${s.maxSettleRounds}, totals ${JSON.stringify(s.totals)}`)
      if (s.failures.length > 0) console.error(s.failures.join('\n'))
      expect(s.failures).toEqual([])
      expect(s.runs).toBe(perPart)
    }, 1_800_000)
  })
}
