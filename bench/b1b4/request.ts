/**
 * What the orchestrator asks of one child process, and what the child answers.
 */
import type { LibName } from '../crdt/adapters/lib-names.js'
import type { RunFigures } from './templates.js'

export type WorkerMode =
  /** Time, sizes, encode and parse of one scenario; writes the encoded state to `work`. */
  | 'run'
  /** Memory of the state `run` wrote, decoded in this fresh process. */
  | 'memory'

export interface WorkerRequest {
  readonly mode: WorkerMode
  readonly lib: LibName
  readonly scenario: string
  readonly n: number
  /** The B4 trace file (automerge-paper). */
  readonly trace: string
  /** Folder for this (scenario, library)'s state file. */
  readonly work: string
  /** Weft only: the pinned build to import. */
  readonly weftModule?: string
  /** Write CPU profiles of the `time` and `parse` sections beside this path (`-time`, `-parse`). */
  readonly profile?: string
  /** Running under callgrind: zero the counters before each section and dump them after it. */
  readonly callgrind?: boolean
}

export interface MemoryFigures {
  /** heapUsed + wasm linear memory + ArrayBuffer growth while the decoded doc is alive. */
  readonly bytes: number
  readonly heapBytes: number
  readonly wasmBytes: number
  readonly arrayBufferBytes: number
}

export type WorkerOutput = { readonly ok: true; readonly figures: RunFigures | MemoryFigures } | { readonly ok: false; readonly error: string }
