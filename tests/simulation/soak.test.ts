import { describe, expect, it } from 'vitest'
import { runSeeds } from './run-seeds.js'

/** WEFT_SIM_SOAK=1 soaks for 10 minutes; WEFT_SIM_SOAK_SECONDS sets the budget. */
const seconds = Number(process.env['WEFT_SIM_SOAK_SECONDS'] ?? (process.env['WEFT_SIM_SOAK'] ? 600 : 0))

describe.skipIf(!(seconds > 0))('simulation soak (WEFT_SIM_SOAK, WEFT_SIM_SOAK_SECONDS)', () => {
  it(
    '[SIM-1] [CLIENT-SIM-1] random seeds of the production client until the time budget is spent',
    async () => {
      const base = Number(process.env['WEFT_SIM_SOAK_BASE'] ?? 1_000_000 + (Date.now() % 1_000_000_000))
      const s = await runSeeds(base, Number.MAX_SAFE_INTEGER - base, undefined, Date.now() + seconds * 1000)
      console.log(`soak from seed ${base}: ${s.runs} runs, max settle rounds ${s.maxSettleRounds}, totals ${JSON.stringify(s.totals)}`)
      if (s.failures.length > 0) console.error(s.failures.join('\n'))
      expect(s.failures).toEqual([])
    },
    (seconds + 300) * 1000,
  )
})
