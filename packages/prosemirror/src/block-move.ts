import type { Node as PMNode } from 'prosemirror-model'

/** A document's blocks, in order (a `BlockStarts`). */
export interface Blocks {
  readonly count: number
  node(index: number): PMNode
}

/** Blocks `from`..`from + count - 1` of the old document went to just before old block `to`. */
export interface BlockMove {
  from: number
  count: number
  to: number
}

/**
 * Whether `after` is `before` with a run of whole blocks moved,
 * and nothing else changed: a drag of a block, a "move block up" command.
 * ProseMirror has no move step (a drag is a delete and an insert), so this
 * reads it off the documents: between the first and the last block that
 * differ, `after` must hold the same blocks rotated. Of the two runs a
 * rotation can be read as moving, the one starting at block `startedAt`
 * (where the transaction's first step was: a drag deletes the dragged block
 * first) is the move; failing that, the one of fewer blocks (then of fewer
 * characters), so dragging one block past several moves that block.
 */
export function findBlockMove(before: Blocks, after: Blocks, flatSize: (block: PMNode) => number, startedAt = -1): BlockMove | null {
  const n = before.count
  if (after.count !== n || n < 2) return null
  const same = (a: PMNode, b: PMNode) => a === b || a.eq(b)
  let first = 0
  while (first < n && same(before.node(first), after.node(first))) first++
  if (first === n) return null
  let last = n - 1
  while (last > first && same(before.node(last), after.node(last))) last--
  const len = last - first + 1
  if (len < 2) return null
  // after[first..last] = before[first + k..last] then before[first..first + k - 1], for some 0 < k < len.
  for (let k = 1; k < len; k++) {
    if (!same(after.node(first), before.node(first + k))) continue
    let fits = true
    for (let i = 0; i < len && fits; i++) fits = same(after.node(first + i), before.node(first + ((i + k) % len)))
    if (!fits) continue
    // Either the head run goes after the tail, or the tail run before the head.
    const moveHead = { from: first, count: k, to: last + 1 }
    const moveTail = { from: first + k, count: len - k, to: first }
    if (startedAt === moveHead.from) return moveHead
    if (startedAt === moveTail.from) return moveTail
    if (k !== len - k) return k < len - k ? moveHead : moveTail
    let head = 0
    let tail = 0
    for (let i = 0; i < k; i++) {
      head += flatSize(before.node(first + i))
      tail += flatSize(before.node(first + k + i))
    }
    return head <= tail ? moveHead : moveTail
  }
  return null
}
