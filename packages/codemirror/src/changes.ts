import { ChangeSet, type ChangeSpec } from '@codemirror/state'
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
