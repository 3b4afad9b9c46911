/**
 * The traces count positions in Unicode code points; every library here indexes text in UTF-16
 * units (JavaScript string indices). The two differ only after a character outside the Basic
 * Multilingual Plane (an emoji: two units, one code point). The traces in shared/traces have none,
 * so this is a no-op for them; a trace that has some is converted once, before anything is timed.
 */
import type { ReplicaOps } from './adapters/types.js'
import { planReplay, replay } from './concurrent.js'
import type { ConcurrentTrace, Patch, SequentialTrace } from './traces.js'

const SURROGATE = /[\uD800-\uDFFF]/

/** Whether `s` holds a character outside the Basic Multilingual Plane. */
function hasAstral(s: string): boolean {
  return SURROGATE.test(s)
}

/** First index in ascending `a` whose value is ≥ `x`. */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Follows a text through code-point patches and rewrites each in UTF-16 units. It only keeps the
 * code-point positions of the astral characters: a position moves by one unit per astral character
 * before it, so this is cheap while they are rare.
 */
export class Utf16Patcher {
  /** Code-point positions of the text's astral characters, ascending. */
  private readonly astral: number[] = []

  /** Starts from `text` (UTF-16, as a library would return it). */
  constructor(text = '') {
    let cp = 0
    for (const ch of text) {
      if (ch.length === 2) this.astral.push(cp)
      cp++
    }
  }

  /** The patch in UTF-16 units; call in the order the patches apply. */
  convert([pos, del, ins]: Patch): Patch {
    const astral = this.astral
    const before = lowerBound(astral, pos)
    const end = del > 0 ? lowerBound(astral, pos + del) : before
    const added: number[] = []
    let cp = 0
    for (const ch of ins) {
      if (ch.length === 2) added.push(pos + cp)
      cp++
    }
    const shift = cp - del
    astral.splice(before, end - before, ...added)
    if (shift !== 0) for (let k = before + added.length; k < astral.length; k++) astral[k]! += shift
    return [pos + before, del + (end - before), ins]
  }
}

/** A sequential trace with UTF-16 positions (the same object when it has no astral character). */
export function sequentialToUtf16(trace: SequentialTrace): SequentialTrace {
  const astral = hasAstral(trace.startContent) || trace.txns.some((t) => t.patches.some((p) => hasAstral(p[2])))
  if (!astral) return trace
  const patcher = new Utf16Patcher(trace.startContent)
  return { ...trace, txns: trace.txns.map((t) => ({ ...t, patches: t.patches.map((p) => patcher.convert(p)) })) }
}

/**
 * A concurrent trace with UTF-16 positions (the same object when it has no astral character).
 * Its positions are relative to each agent's text at the txn's parents, so this replays it once with
 * `reference` (a library's replicas) and converts every txn against the text its agent had then.
 * Run it outside the timed child processes: it warms the reference library up.
 */
export function concurrentToUtf16<R>(trace: ConcurrentTrace, reference: ReplicaOps<R>): ConcurrentTrace {
  if (!trace.txns.some((t) => t.patches.some((p) => hasAstral(p[2])))) return trace
  const converted = new Map<readonly Patch[], Patch[]>()
  replay(
    {
      ...reference,
      edit(replica, patches) {
        const patcher = new Utf16Patcher(reference.text(replica))
        const utf16 = patches.map((p) => patcher.convert(p))
        converted.set(patches, utf16)
        return reference.edit(replica, utf16)
      },
    },
    planReplay(trace),
  )
  return { ...trace, txns: trace.txns.map((t) => ({ ...t, patches: converted.get(t.patches) ?? t.patches })) }
}
