import { describe, expect, it } from 'vitest'
import { SeedsTally } from './run-seeds.js'
import { SHORT_CONFIG, runSimulation } from './simulation.js'

/**
 * [CLIENT-SIM-2] Every storage write of a short schedule, in turn, is where a
 * tab's process dies: before the write reached the disk, and right after it
 * committed. A fresh tab starts over what survived; nothing acked or saved
 * locally may be lost, nothing duplicated, and everything converges.
 */
const seeds = Number(process.env['WEFT_SIM_CRASH_SEEDS'] ?? 3)
const from = Number(process.env['WEFT_SIM_CRASH_SEED'] ?? 1)

const repro = (seed: number, device: number, write: number, after: boolean): string =>
  `WEFT_SIM_CRASH_SEED=${seed} WEFT_SIM_CRASH_SEEDS=1 pnpm vitest run tests/simulation/crash-points.test.ts  # device ${device}, write ${write}, ${after ? 'after' : 'before'}`

describe.skipIf(process.env['WEFT_SIM_SEED'] !== undefined)('simulation crash points (every storage write of short schedules)', () => {
  it(`[CLIENT-SIM-2] ${seeds} short schedules, a crash before and after each of device 0's storage writes`, async () => {
    const tally = new SeedsTally()
    for (let seed = from; seed < from + seeds; seed++) {
      const base = await runSimulation(seed, SHORT_CONFIG)
      expect(base.problems).toEqual([])
      const writes = base.writesPerDevice[0]!
      for (let write = 1; write <= writes; write++) {
        for (const after of [false, true]) await tally.run(seed, { ...SHORT_CONFIG, crashAt: { device: 0, write, after } }, repro(seed, 0, write, after))
      }
    }
    const s = tally.summary()
    console.log(`crash points: ${s.runs} runs, max settle rounds ${s.maxSettleRounds}, totals ${JSON.stringify(s.totals)}`)
    if (s.failures.length > 0) console.error(s.failures.join('\n'))
    expect(s.failures).toEqual([])
    expect(s.totals['writeCrashes']).toBe(s.runs)
  }, 1_800_000)
})
