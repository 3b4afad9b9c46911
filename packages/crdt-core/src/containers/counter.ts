import type { CounterOp } from '../delta/types.js'
import { CONTAINER_KIND } from './container-ref.js'
import type { DocCore } from './doc-core.js'
import type { ContainerId } from './kind.js'

/**
 * A counter that replicas increment and decrement concurrently (PN-counter:
 * each replica's running total, joined by taking the newest per replica).
 *
 * @example
 * const votes = doc.getCounter('votes')
 * votes.increment()    // +1
 * votes.increment(-3)
 * votes.value          // -2
 */
export class WeftCounter {
  readonly [CONTAINER_KIND] = 'counter' as const
  /** Which kind of container this is. */
  readonly kind = 'counter' as const
  /** @internal */
  readonly totals = new Map<number, { total: number; counter: number }>()

  /** @internal */
  constructor(
    private readonly doc: DocCore,
    /** @internal */ readonly id: ContainerId,
  ) {}

  increment(amount = 1): void {
    if (!Number.isSafeInteger(amount)) throw new TypeError(`counter.increment takes a safe integer, got ${amount}`)
    if (amount === 0) return
    const doc = this.doc
    const total = (this.totals.get(doc.replicaId)?.total ?? 0) + amount
    if (total < -(2 ** 52) || total >= 2 ** 52) {
      throw new RangeError(`counter.increment(${amount}) takes this replica's total past ±2^52, which deltas cannot carry`)
    }
    const tx = doc.beginImplicit()
    try {
      const counter = doc.allocateCounters(1)
      this.totals.set(doc.replicaId, { total, counter })
      tx.recordCount(this, { replica: doc.replicaId, counter, total })
      if (tx.trackUndo) tx.undo({ type: 'counter', container: this, amount })
    } finally {
      doc.endImplicit(tx)
    }
  }

  decrement(amount = 1): void {
    this.increment(-amount)
  }

  get value(): number {
    let sum = 0
    for (const t of this.totals.values()) sum += t.total
    return sum
  }

  toJSON(): number {
    return this.value
  }

  /** @internal Joins a remote total; returns true when it was newer. */
  applyCount(op: CounterOp): boolean {
    const cur = this.totals.get(op.replica)
    if (cur !== undefined && cur.counter >= op.counter) return false
    this.totals.set(op.replica, { total: op.total, counter: op.counter })
    return true
  }
}
