import type { Transaction } from 'prosemirror-state'

type Step = Transaction['steps'][number]

/**
 * Where a transaction's edit starts, as a position in the document it was
 * applied to: the least start of its steps, each mapped back through the
 * steps before it. Null when it has no steps or a step has no position.
 *
 * A diff of the documents cannot say this: typing 's' just before an 's'
 * gives the same documents as typing it just after, and the binding must
 * put the new character where the user's caret was, not beside its twin.
 */
export function editStart(tr: Transaction): number | null {
  let least: number | null = null
  for (let i = 0; i < tr.steps.length; i++) {
    const at = stepStart(tr.steps[i]!)
    if (at === null) return null
    // Step i applies to the document after steps 0..i-1: map its start back to the first one.
    const back = i === 0 ? at : tr.mapping.slice(0, i).invert().map(at, -1)
    least = least === null ? back : Math.min(least, back)
  }
  return least
}

/** A step's first position in the document it applies to. */
function stepStart(step: Step): number | null {
  // Replace, replace-around and mark steps carry `from`; node-mark and node-attribute steps `pos`.
  const fields = step as unknown as { from?: unknown; pos?: unknown }
  if (typeof fields.from === 'number') return fields.from
  if (typeof fields.pos === 'number') return fields.pos
  let start: number | null = null
  step.getMap().forEach((oldStart) => {
    start = start === null ? oldStart : Math.min(start, oldStart)
  })
  return start
}

/** What one replace step changed: [from, toA) of the document before it became [from, toB) after. */
export interface ReplacedRange {
  from: number
  toA: number
  toB: number
}

/**
 * The range a transaction of exactly one replace step changed (typing,
 * deleting, pasting, Enter), read from the step rather than found by
 * diffing two documents; null for any other transaction.
 */
export function replacedRange(tr: Transaction): ReplacedRange | null {
  if (tr.steps.length !== 1) return null
  const step = tr.steps[0]!
  // Only a plain ReplaceStep maps one range to one range; its JSON type says which it is.
  const fields = step as unknown as { from?: unknown; to?: unknown; slice?: { size?: unknown }; structure?: unknown }
  if (step.toJSON().stepType !== 'replace' || typeof fields.from !== 'number' || typeof fields.to !== 'number') return null
  const size = fields.slice?.size
  if (typeof size !== 'number') return null
  return { from: fields.from, toA: fields.to, toB: fields.from + size }
}
