import type { WeftText } from '../containers/text.js'
import type { Displacement } from './moves.js'

/**
 * The origin of the moves a replica makes to take its own text after a
 * block that a peer's move took away (undo managers never record them).
 */
export const FORWARD_ORIGIN = 'weft:move-forward'

interface Orphan {
  /** The first character of the run, and how many visible characters it has. */
  replica: number
  counter: number
  len: number
  /** The visible instance it goes right after. */
  after: { replica: number; counter: number }
}

/**
 * Text typed into a block while a peer's move of it was unseen sits among
 * the block's old characters, which that move hides: without help it would
 * stay where the block was, joined to whatever follows. Between two
 * consecutive characters of a displaced block, the visible characters are
 * such text. Each replica takes its own (only its own, so two replicas never
 * both move one run) to the same place in the block's visible copy, as one
 * more move. Returns how many runs it moved.
 *
 * Only typed text goes (and text a forward placed, which may need to go
 * again when the block moves on): a range someone moved between two of the
 * block's characters stays. Else two concurrent moves, each putting its
 * range inside the other's, would forward each other's copies forever.
 */
export function forwardOrphans(text: WeftText, displaced: readonly Displacement[], me: number): number {
  const seq = text.seq
  const orphans: Orphan[] = []
  for (const { op, hid } of displaced) {
    // Nothing visible between the block's first and last displaced character (the usual case: no
    // one typed into it unseen): nothing to look for, pair by pair.
    let f = 0
    let l = hid.length - 1
    while (f < hid.length && hid[f] === null) f++
    while (l > f && hid[l] === null) l--
    const first = hid[f]
    const last = hid[l]
    if (first == null || last == null) continue
    if (seq.visibleIndexOfId(last.replica, last.counter) <= seq.visibleIndexOfId(first.replica, first.counter)) continue
    for (let k = 0; k + 1 < hid.length; k++) {
      const left = hid[k]
      const right = hid[k + 1]
      if (left == null || right == null) continue
      const a = seq.visibleIndexOfId(left.replica, left.counter)
      const b = seq.visibleIndexOfId(right.replica, right.counter)
      if (a < 0 || b <= a) continue
      const after = text.moves.current(op.replica, op.target + k)
      if (seq.isDeletedAt(after.replica, after.counter)) continue
      let run: Orphan | null = null
      for (let i = a; i < b; i++) {
        const id = seq.idAtVisible(i)
        if (id.replica !== me || !text.moves.typedOrForwarded(id.replica, id.counter)) {
          run = null
          continue
        }
        if (run !== null) run.len++
        else orphans.push((run = { replica: id.replica, counter: id.counter, len: 1, after }))
      }
    }
  }
  let moved = 0
  for (const o of orphans) {
    const from = seq.visibleIndexOfId(o.replica, o.counter)
    const to = seq.visibleIndexOfId(o.after.replica, o.after.counter) + 1
    if (seq.isDeletedAt(o.replica, o.counter) || (to > from && to <= from + o.len)) continue
    text.move(from, o.len, to)
    text.moves.markLastForward()
    moved++
  }
  return moved
}
