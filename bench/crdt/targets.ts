/**
 * Issue 3's targets for automerge-paper, checked against a run's medians (peers from the same run).
 */
import type { LibName } from './adapters/types.js'
import type { TraceResult } from './results.js'
import type { StepName } from './steps.js'

export const TARGET_TRACE = 'automerge-paper'

interface Target {
  readonly figure: string
  readonly step: StepName
  readonly key: string
  /** What the target says, for the table. */
  readonly text: string
  /** The bound Weft must stay at or under, from the peers' medians; undefined when a peer is missing. */
  readonly bound: (peer: (lib: LibName) => number | undefined) => number | undefined
}

const times = (lib: LibName, k: number) => (peer: (lib: LibName) => number | undefined) => {
  const v = peer(lib)
  return v === undefined ? undefined : v * k
}

const TARGETS: readonly Target[] = [
  { figure: 'local apply (ms)', step: 'local', key: 'ms', text: '≤ 0.25 × Loro', bound: times('loro', 0.25) },
  { figure: 'local apply (ms)', step: 'local', key: 'ms', text: '≤ 0.1 × Yjs', bound: times('yjs', 0.1) },
  { figure: 'remote apply (ms)', step: 'remote', key: 'ms', text: '≤ 0.25 × Yjs', bound: times('yjs', 0.25) },
  { figure: 'snapshot (bytes)', step: 'local', key: 'snapshotBytes', text: '≤ 120,000', bound: () => 120_000 },
  {
    figure: 'snapshot (bytes)',
    step: 'local',
    key: 'snapshotBytes',
    text: '< every peer',
    // Strictly smaller: the bound is one byte under the smallest peer.
    bound: (peer) => {
      const vs = (['yjs', 'automerge', 'loro'] as const).map(peer).filter((v) => v !== undefined)
      return vs.length === 0 ? undefined : Math.min(...vs) - 1
    },
  },
  { figure: 'load (ms)', step: 'load', key: 'ms', text: '≤ Loro', bound: times('loro', 1) },
  { figure: 'memory (bytes)', step: 'memory', key: 'bytes', text: '≤ 0.5 × Yjs heap', bound: times('yjs', 0.5) },
]

export interface TargetCheck {
  readonly figure: string
  readonly target: string
  readonly weft: number | undefined
  readonly bound: number | undefined
  /** weft / bound: at most 1 means met. */
  readonly factor: number | undefined
}

/** Checks every target on a trace's medians; an entry without numbers means a figure is missing. */
export function checkTargets(t: TraceResult): TargetCheck[] {
  return TARGETS.map((target) => {
    const get = (lib: LibName): number | undefined => t.libs[lib]?.[target.step]?.median?.[target.key]
    const weft = get('weft')
    const bound = target.bound(get)
    const factor = weft === undefined || bound === undefined || bound <= 0 ? undefined : weft / bound
    return { figure: target.figure, target: target.text, weft, bound, factor }
  })
}
