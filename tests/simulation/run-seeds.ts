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

/** Runs seeds `from .. from + count - 1` (or until `deadline`, a Date.now() value). */
export function runSeeds(from: number, count: number, config: SimConfig = DEFAULT_CONFIG, deadline = Infinity): SeedsSummary {
  const failures: string[] = []
  const totals: Record<string, number> = {}
  let maxSettleRounds = 0
  let runs = 0
  for (let seed = from; seed < from + count && Date.now() < deadline; seed++) {
    let r: SimResult
    try {
      r = runSimulation(seed, config)
    } catch (e) {
      failures.push(`seed ${seed} threw: ${(e as Error).stack ?? String(e)}\n  repro: ${reproCommand(seed)}`)
      runs++
      continue
    }
    runs++
    maxSettleRounds = Math.max(maxSettleRounds, r.settleRounds)
    for (const [k, v] of Object.entries(r.stats)) totals[k] = (totals[k] ?? 0) + v
    if (r.problems.length > 0) {
      failures.push(`seed ${seed}: ${r.problems.slice(0, 8).join('; ')}\n  repro: ${reproCommand(seed)}`)
    }
  }
  return { runs, failures, maxSettleRounds, totals }
}
