import { describe, expect, it } from 'vitest'
import { runSeeds } from './run-seeds.js'

// 4 files x 250 seeds = 1,000 schedules (5 replicas x 300 ops), split so vitest runs them in parallel.
const PART = 0
const PER_PART = Number(process.env['WEFT_SIM_SEEDS_PER_PART'] ?? 250)

describe.skipIf(process.env['WEFT_SIM_SEED'] !== undefined)(`simulation schedules, part ${PART}`, () => {
  it(`[SIM-1] [SIM-2] [SIM-3] ${PER_PART} seeded schedules converge, lose and duplicate nothing, and settle`, () => {
    const s = runSeeds(1 + PART * PER_PART, PER_PART)
    console.log(`part ${PART}: ${s.runs} runs, max settle rounds ${s.maxSettleRounds}, totals ${JSON.stringify(s.totals)}`)
    if (s.failures.length > 0) console.error(s.failures.join('\n'))
    expect(s.failures).toEqual([])
    expect(s.runs).toBe(PER_PART)
  }, 600_000)
})
