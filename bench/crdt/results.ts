/**
 * What a bench run records: every run's outcome per (trace, library, step), and medians.
 */
import type { LibName } from './adapters/types.js'
import type { Outcome } from './child.js'
import type { StepName } from './steps.js'

export interface StepResult {
  readonly runs: Outcome[]
  /** Median of each numeric figure over the successful runs; null when none succeeded. */
  median: Record<string, number> | null
}

export type LibResult = Partial<Record<StepName, StepResult>>

export interface TraceResult {
  readonly name: string
  readonly kind: 'sequential' | 'concurrent'
  readonly txns: number
  readonly finalLength: number
  readonly libs: Partial<Record<LibName, LibResult>>
}

export interface Machine {
  readonly os: string
  readonly cpu: string
  readonly cores: number
  readonly memoryBytes: number
  readonly node: string
}

export interface BenchResults {
  readonly date: string
  readonly commit: string | null
  readonly machine: Machine
  readonly versions: Partial<Record<LibName, string>>
  /** The pinned @weft/crdt-core build every Weft measurement of the run used. */
  readonly weftBuild: { readonly sha256: string; readonly builtAt: string } | null
  readonly methods: Partial<Record<LibName, { readonly update: string; readonly snapshot: string }>>
  readonly runs: number
  readonly quick: boolean
  readonly traces: TraceResult[]
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2
}

/** Medians of every numeric field of the successful runs' figures. */
export function medianFigures(runs: readonly Outcome[]): Record<string, number> | null {
  const ok = runs.flatMap((r) => (r.status === 'ok' ? [r.figures as unknown as Record<string, number>] : []))
  const first = ok[0]
  if (first === undefined) return null
  const out: Record<string, number> = {}
  for (const key of Object.keys(first)) {
    const m = median(ok.map((f) => f[key]).filter((v): v is number => typeof v === 'number'))
    if (m !== undefined) out[key] = m
  }
  return out
}

/** Whether any run of any step failed its correctness check or crashed (timeouts are not failures). */
export function hasErrors(results: BenchResults): boolean {
  return results.traces.some((t) => Object.values(t.libs).some((lib) => Object.values(lib).some((step) => step.runs.some((r) => r.status === 'error'))))
}
