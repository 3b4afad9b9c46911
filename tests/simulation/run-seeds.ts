import { DEFAULT_CONFIG, runSimulation } from './simulation.js'
import type { SimConfig, SimResult } from './simulation.js'

/** One line that replays a seed. */
export function reproCommand(seed: number): string {
  return `WEFT_SIM_SEED=${seed} pnpm vitest run tests/simulation/one-seed.test.ts`
}

/** Summary of many runs; `failures` lists each failing seed with its problems and repro line. */
export interface SeedsSummary {
  readonly runs: number
  readonly failures: string[]
  readonly maxSettleRounds: number
  readonly totals: Record<string, number>
}

/** Accumulates results of many runs. */
export class SeedsTally {
  readonly failures: string[] = []
  readonly totals: Record<string, number> = {}
  maxSettleRounds = 0
  runs = 0

  async run(seed: number, config: SimConfig, repro: string): Promise<SimResult | undefined> {
    this.runs++
    let r: SimResult
    try {
      r = await runSimulation(seed, config)
    } catch (e) {
      this.failures.push(`seed ${seed} threw: ${(e as Error).stack ?? String(e)}\n  repro: ${repro}`)
      return undefined
    }
    this.maxSettleRounds = Math.max(this.maxSettleRounds, r.settleRounds)
    for (const [k, v] of Object.entries(r.stats)) this.totals[k] = (this.totals[k] ?? 0) + v
    if (r.problems.length > 0) this.failures.push(`seed ${seed}: ${r.problems.slice(0, 8).join('; ')}\n  repro: ${repro}`)
    return r
  }

  summary(): SeedsSummary {
    return { runs: this.runs, failures: this.failures, maxSettleRounds: this.maxSettleRounds, totals: this.totals }
  }
}

/** Runs seeds `from .. from + count - 1` (or until `deadline`, a Date.now() value). */
export async function runSeeds(from: number, count: number, config: SimConfig = DEFAULT_CONFIG, deadline = Infinity): Promise<SeedsSummary> {
  const tally = new SeedsTally()
  for (let seed = from; seed < from + count && Date.now() < deadline; seed++) await tally.run(seed, config, reproCommand(seed))
  return tally.summary()
}
