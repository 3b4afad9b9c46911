import { describe, expect, it } from 'vitest'
import { reproCommand } from './run-seeds.js'
import { DEFAULT_CONFIG, runSimulation } from './simulation.js'

const seed = Number(process.env['WEFT_SIM_SEED'] ?? 1)

describe('simulation, one seed (WEFT_SIM_SEED replays any schedule)', () => {
  it(`[SIM-1] [CLIENT-SIM-1] seed ${seed}: the production client converges with nothing lost or duplicated`, async () => {
    const r = await runSimulation(seed, DEFAULT_CONFIG)
    if (r.problems.length > 0) console.error(`seed ${seed}:\n${r.problems.join('\n')}\nrepro: ${reproCommand(seed)}`)
    else console.log(`seed ${seed}: ${JSON.stringify({ steps: r.steps, settleRounds: r.settleRounds, ...r.stats })}`)
    expect(r.problems).toEqual([])
  }, 120_000)
})
