/** What the orchestrator and the load-generator child say to each other over IPC. */

export type ServerKind = 'weft' | 'y-websocket' | 'hocuspocus'
export const SERVER_KINDS: readonly ServerKind[] = ['weft', 'y-websocket', 'hocuspocus']

export type ScenarioName = 'fan-out' | 'many-docs' | 'connections' | 'catch-up' | 'cold-load'
export const SCENARIOS: readonly ScenarioName[] = ['fan-out', 'many-docs', 'connections', 'catch-up', 'cold-load']

/** Typing load: `docs` docs, `clientsPerDoc` clients each, `writersPerDoc` of them typing. */
export interface TypingConfig {
  readonly docs: number
  readonly clientsPerDoc: number
  readonly writersPerDoc: number
  readonly editsPerSecond: number
  readonly seconds: number
  /**
   * Seconds of the same typing before the measured window, not reported: a count of instructions
   * (`--instr`) should be of the servers' steady state, not of their JIT compiling the paths (at low
   * rates V8 still optimizes after it: results/server.md says how much).
   */
  readonly warmupSeconds?: number
}

export interface LoadJob {
  readonly server: ServerKind
  readonly url: string
  readonly scenario: ScenarioName
  /** cold-load runs the load generator twice: `write` before the restart, `read` after. */
  readonly phase?: 'write' | 'read'
  readonly typing?: TypingConfig
  /** many-docs only: run the saturation search after the base rate. */
  readonly saturation?: SaturationConfig
  readonly maxConnections?: number
  readonly connectionStep?: number
  readonly catchUpEdits?: number
  readonly coldLoadBytes?: number
  /** Per-scenario wall-clock cap, ms. */
  readonly budgetMs: number
}

/** Saturation search of many-docs: per-writer rates to step through, and when to stop. */
export interface SaturationConfig {
  /** Edits per second per writer, ascending; the first is normally the base rate. */
  readonly ratesPerWriter: readonly number[]
  readonly stepSeconds: number
  /** Common p99 bounds every server is held to; the sustained rate is reported at each. */
  readonly p99BoundsMs: readonly number[]
  /** Below this share of edits delivered (after the drain) the server fell behind. */
  readonly minDeliveredShare: number
  /** Below this share of the offered rate actually sent, the load generator is the limit: the search ends. */
  readonly minSentShare: number
  readonly drainMs: number
}

/** Server process sample: cumulative CPU (user+system) and resident memory. */
export interface ProcSample {
  readonly t: number
  readonly cpuMs: number
  /** The user-space part of `cpuMs` (the rest is the kernel's work for the process: socket writes, fsync). */
  readonly userCpuMs: number
  readonly rssBytes: number
}

/**
 * A probe at an edge of a measured window: the typing scenarios mark where it starts and where its
 * in-flight edits have landed, so the orchestrator can count the server's instructions in between.
 */
export type ProbeMark = 'window-start' | 'window-drained'

export type ChildToParent =
  | { readonly type: 'probe'; readonly id: number; readonly mark?: ProbeMark }
  | { readonly type: 'result'; readonly result: Record<string, unknown> }
  | { readonly type: 'error'; readonly message: string }

export type ParentToChild = { readonly type: 'probe-reply'; readonly id: number; readonly sample: ProcSample | null }
