import { ChangeSet, type ChangeSpec, type Text } from '@codemirror/state'
import type { TextDelta, WeftText } from '@weft/crdt-core'

/**
 * A Weft text delta (retain / insert / delete over the text before it) as a
 * CodeMirror change set over a document of the same text. Retains that only
 * change marks change nothing here: CodeMirror holds plain text.
 */
export function changeSetOf(delta: TextDelta, lengthBefore: number): ChangeSet {
  const specs: ChangeSpec[] = []
  let pos = 0
  for (const op of delta) {
    if ('retain' in op) pos += op.retain
    else if ('delete' in op) {
      specs.push({ from: pos, to: pos + op.delete })
      pos += op.delete
    } else specs.push({ from: pos, insert: op.insert })
  }
  return ChangeSet.of(specs, lengthBefore)
}

/** The text's length before `delta` was applied to it. */
export function lengthBefore(delta: TextDelta, lengthAfter: number): number {
  let n = lengthAfter
  for (const op of delta) {
    if ('insert' in op) n -= op.insert.length
    else if ('delete' in op) n += op.delete
  }
  return n
}

/**
 * Applies a CodeMirror change set to the text it was made over. Changes go
 * last to first, so each one's positions are still those of the document it
 * was made on.
 */
export function applyToText(text: WeftText, changes: ChangeSet): void {
  const edits: { from: number; to: number; insert: string }[] = []
  changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => edits.push({ from: fromA, to: toA, insert: inserted.toString() }))
  for (let i = edits.length - 1; i >= 0; i--) {
    const { from, to, insert } = edits[i]!
    if (to > from) text.delete(from, to - from)
    if (insert.length > 0) text.insert(from, insert)
  }
}

/** A stretch of the old document and the position (in the old document) it moved to. */
export interface TextMove {
  from: number
  len: number
  to: number
}

/**
 * Whether `changes` only moved a stretch of text: two or more changes whose
 * window reads, afterwards, as the same text rotated (CodeMirror's "move
 * line up/down" deletes the neighbouring line and inserts it on the other
 * side; a drag deletes and inserts). Line moves rotate whole lines with
 * their line breaks, which may sit just outside the changed window, so the
 * window one character wider on either side is tried too. Of the two
 * stretches a rotation can be read as moving, the one holding `head` (the
 * selection's head before the change: the line the user moved) is the move.
 */
export function findMove(changes: ChangeSet, before: Text, after: Text, head: number): TextMove | null {
  if (changes.length !== changes.newLength) return null
  let lo = Number.POSITIVE_INFINITY
  let hi = -1
  let n = 0
  changes.iterChangedRanges((fromA, toA) => {
    lo = Math.min(lo, fromA)
    hi = Math.max(hi, toA)
    n++
  })
  if (n < 2) return null
  for (const [a, b] of [
    [lo, hi],
    [lo, hi + 1],
    [lo - 1, hi],
  ] as const) {
    if (a < 0 || b > before.length) continue
    const was = before.sliceString(a, b)
    const now = after.sliceString(a, b)
    // now = was.slice(k) + was.slice(0, k), for some 0 < k < was.length.
    const k = was === now ? -1 : (was + was).indexOf(now, 1)
    if (k <= 0 || k >= was.length) continue
    return head >= a && head < a + k ? { from: a, len: k, to: b } : { from: a + k, len: b - a - k, to: a }
  }
  return null
}
