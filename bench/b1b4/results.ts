/**
 * What a `bench:b1b4` run records (bench/results/b1b4.json): every run's outcome per (scenario,
 * library), medians, the memory step and the callgrind counts.
 */
import type { LibName } from '../crdt/adapters/lib-names.js'
import { median, type Machine } from '../crdt/results.js'
import type { Outcome } from './child.js'
import type { Group } from './scenarios.js'

export interface LibCell {
  readonly runs: Outcome[]
  /** Median of each figure over the successful runs; null when none succeeded. */
  median: Record<string, number> | null
  /** The decoded doc's memory, measured once in a fresh process; null when not measured. */
  memory: Outcome | null
  /** Instructions per timed section under callgrind (`time`, `encode`, `parse`); null when not measured. */
  instructions: Outcome | null
}

export interface ScenarioResult {
  readonly id: string
  readonly group: Group
  readonly title: string
  readonly libs: Partial<Record<LibName, LibCell>>
}

export interface SuiteResults {
  readonly date: string
  readonly commit: string | null
  readonly machine: Machine
  /** Load average when the run started (the machine is shared). */
  readonly loadAverage: readonly number[]
  readonly versions: Partial<Record<LibName, string>>
  readonly weftBuild: { readonly sha256: string; readonly builtAt: string } | null
  readonly n: number
  readonly b3Clients: number
  readonly runs: Readonly<Record<string, number>>
  /** How the children were pinned (`taskset -c …`), or why not. */
  readonly pinning: string
  readonly scenarios: ScenarioResult[]
}

/** Median of every numeric figure over the successful runs; null when none succeeded. */
export function medianOf(runs: readonly Outcome[]): Record<string, number> | null {
  const ok = runs.flatMap((r) => (r.status === 'ok' ? [r.figures] : []))
  const first = ok[0]
  if (first === undefined) return null
  const out: Record<string, number> = {}
  for (const key of Object.keys(first)) {
    const m = median(ok.map((f) => f[key]).filter((v): v is number => typeof v === 'number'))
    if (m !== undefined) out[key] = m
  }
  return out
}
