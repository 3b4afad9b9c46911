import type { IdRange } from '../sequence/sequence.js'

/**
 * Moves of text ranges that never duplicate under concurrency.
 *
 * A move inserts a copy of the range where it goes (new ids, the same
 * characters and marks) and records, per copied character, which character
 * it copies. Every character therefore has a root (the character first
 * typed) and instances: the root and every copy of it, however many moves
 * deep. Of one root's instances only the one placed by the move with the
 * highest (lamport, replica) may be visible, its winner; the others are
 * hidden as tombstones. Two concurrent moves of one block leave it once, at
 * the later move's place, on every replica, in either arrival order.
 *
 * Hiding is the only thing a move does to other characters, and the
 * winner only changes upward, so a hidden instance never has to come back:
 * the final tombstones are the deletes plus every instance that is not its
 * root's winner, whatever the order the ops arrived in. A delete of an
 * instance that a concurrent move outranked is therefore moot: the move
 * wins over a concurrent delete, and the block stays, at the move's place.
 * Like every copy-based move (Yjs's and Automerge's delete-and-insert
 * included), what is done to a block while a peer's move of it is unseen
 * stays with the copy it was done to: text typed there stays where that
 * copy was if its move loses, and a format there does not reach the
 * winning copy.
 */
export interface MoveOp {
  /** The op's own dot. */
  replica: number
  counter: number
  lamport: number
  /** The copy: `len` characters that `replica` inserted from counter `target`. */
  target: number
  len: number
  /** The characters the copy copies, in order; their lengths add up to `len`. */
  sources: IdRange[]
}

/** Hides `len` instances from (replica, counter); called with runs of consecutive ids. */
export type HideInstances = (replica: number, counter: number, len: number) => void

interface Winner {
  lamport: number
  replica: number
  /** The visible (or deleted) instance: where the winning move put the character. */
  instReplica: number
  instCounter: number
}

interface CopyRun {
  /** First counter of the copy (of the move's replica). */
  start: number
  op: MoveOp
  /** Each copied character's root, found once when the move joined (a block moved a thousand times is not a chain of a thousand). */
  rootReplica: number[]
  rootCounter: number[]
}

const idKey = (replica: number, counter: number) => `${replica}:${counter}`

/** A text's moves: the ops (for deltas and states), each copy's source and each root's winner. */
export class MoveStore {
  readonly ops: MoveOp[] = []
  private readonly known = new Set<string>()
  /** Copies by replica, in counter order (a replica's moves reach every peer in causal order). */
  private readonly copies = new Map<number, CopyRun[]>()
  /** Each moved root's winner, by root replica then counter (numbers, not a string key per character). */
  private readonly winners = new Map<number, Map<number, Winner>>()

  get size(): number {
    return this.ops.length
  }

  /** Whether the move with this dot is known. */
  has(replica: number, counter: number): boolean {
    return this.known.has(idKey(replica, counter))
  }

  /**
   * Joins a move (once per dot; false when it was known). Every instance it
   * outranks is hidden through `hide`, and so is its own copy where it is
   * outranked. Pass no `hide` when the tombstones already say so (a state).
   */
  add(op: MoveOp, hide?: HideInstances): boolean {
    const key = idKey(op.replica, op.counter)
    if (this.known.has(key)) return false
    this.known.add(key)
    this.ops.push(op)
    const hider = hide === undefined ? null : new RunBuffer(hide)
    const rootReplica = new Array<number>(op.len)
    const rootCounter = new Array<number>(op.len)
    let k = 0
    for (const src of op.sources) {
      for (let i = 0; i < src.len; i++, k++) {
        const root = this.rootOf(src.replica, src.counter + i)
        rootReplica[k] = root.replica
        rootCounter[k] = root.counter
        let byCounter = this.winners.get(root.replica)
        if (byCounter === undefined) this.winners.set(root.replica, (byCounter = new Map()))
        const cur = byCounter.get(root.counter)
        if (cur === undefined || outranks(op, cur)) {
          if (cur === undefined) hider?.push(root.replica, root.counter)
          else hider?.push(cur.instReplica, cur.instCounter)
          if (cur === undefined) byCounter.set(root.counter, { lamport: op.lamport, replica: op.replica, instReplica: op.replica, instCounter: op.target + k })
          else {
            cur.lamport = op.lamport
            cur.replica = op.replica
            cur.instReplica = op.replica
            cur.instCounter = op.target + k
          }
        } else {
          hider?.push(op.replica, op.target + k)
        }
      }
    }
    hider?.flush()
    // Only now is the copy a copy: its sources resolved through earlier moves alone.
    let runs = this.copies.get(op.replica)
    if (runs === undefined) this.copies.set(op.replica, (runs = []))
    runs.push({ start: op.target, op, rootReplica, rootCounter })
    if (runs.length > 1 && runs[runs.length - 2]!.start > op.target) runs.sort((a, b) => a.start - b.start)
    return true
  }

  /** Moves by dots above `since` (for deltas). */
  since(since: Readonly<Record<number, number>>): MoveOp[] {
    return this.ops.filter((op) => op.counter > (since[op.replica] ?? 0))
  }

  /**
   * Where the character (replica, counter) is now: its root's winning
   * instance, or itself when no move took it (for cursors, which then
   * follow a moved block).
   */
  current(replica: number, counter: number): { replica: number; counter: number } {
    if (this.ops.length === 0) return { replica, counter }
    const root = this.rootOf(replica, counter)
    const w = this.winners.get(root.replica)?.get(root.counter)
    return w === undefined ? root : { replica: w.instReplica, counter: w.instCounter }
  }

  /** The character a copy (of copies…) started as; the character itself when it is no copy. */
  private rootOf(replica: number, counter: number): { replica: number; counter: number } {
    const run = this.copyAt(replica, counter)
    if (run === null) return { replica, counter }
    const k = counter - run.start
    return { replica: run.rootReplica[k]!, counter: run.rootCounter[k]! }
  }

  private copyAt(replica: number, counter: number): CopyRun | null {
    const runs = this.copies.get(replica)
    if (runs === undefined) return null
    let lo = 0
    let hi = runs.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const run = runs[mid]!
      if (counter < run.start) hi = mid - 1
      else if (counter >= run.start + run.op.len) lo = mid + 1
      else return run
    }
    return null
  }
}

function outranks(op: MoveOp, w: Winner): boolean {
  return op.lamport > w.lamport || (op.lamport === w.lamport && op.replica > w.replica)
}

/** Collects single ids and hands them on as runs of consecutive counters of one replica. */
class RunBuffer {
  private replica = 0
  private counter = 0
  private len = 0

  constructor(private readonly hide: HideInstances) {}

  push(replica: number, counter: number): void {
    if (this.len > 0 && replica === this.replica && counter === this.counter + this.len) {
      this.len++
      return
    }
    this.flush()
    this.replica = replica
    this.counter = counter
    this.len = 1
  }

  flush(): void {
    if (this.len > 0) this.hide(this.replica, this.counter, this.len)
    this.len = 0
  }
}
