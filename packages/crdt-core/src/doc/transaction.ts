import type { ContainerDelta, CounterOp, DeleteOp, MapEntryOp } from '../delta/types.js'
import type { IdRange, InsertOp } from '../sequence/sequence.js'
import type { Content } from '../sequence/span.js'
import type { Container } from '../containers/container.js'

/** What undoing one local change takes (recorded as the change happens). */
export type InverseOp =
  | { type: 'seq-insert'; container: Container; replica: number; counter: number; len: number }
  | { type: 'seq-delete'; container: Container; ranges: IdRange[]; removed: Content[] }
  | { type: 'map-set'; container: Container; key: string; had: boolean; previous: unknown }
  | { type: 'counter'; container: Container; amount: number }

/** Shared empty section for kinds that never use it (never pushed to). */
const NONE = Object.freeze([]) as unknown as never[]

/**
 * Collects the operations of one local transaction: they become one delta,
 * one change event and one undo step when it ends.
 */
export class Transaction {
  /** Opened by a container call outside `transact`; it ends with that call. */
  implicit = false
  /** Undo records; only collected when an undo manager listens (`trackUndo`). */
  readonly inverse: InverseOp[] = []
  // Parallel arrays, not a Map: a transaction almost always touches one container.
  private readonly touched: Container[] = []
  private readonly deltas: ContainerDelta[] = []

  constructor(
    readonly origin: unknown,
    /** This replica's counter when the transaction began. */
    readonly startCounter: number,
    /** Whether containers should record undo information. */
    readonly trackUndo: boolean,
  ) {}

  get isEmpty(): boolean {
    return this.touched.length === 0
  }

  /** The containers this transaction changed. */
  get changed(): Set<Container> {
    return new Set(this.touched)
  }

  undo(op: InverseOp): void {
    if (this.trackUndo) this.inverse.push(op)
  }

  private deltaOf(c: Container): ContainerDelta {
    const i = this.touched.indexOf(c)
    if (i >= 0) return this.deltas[i]!
    const seq = c.kind === 'text' || c.kind === 'list'
    const d: ContainerDelta = {
      id: c.id,
      inserts: seq ? [] : NONE,
      deletes: seq ? [] : NONE,
      entries: c.kind === 'map' ? [] : NONE,
      counts: c.kind === 'counter' ? [] : NONE,
    }
    this.touched.push(c)
    this.deltas.push(d)
    return d
  }

  recordInsert(c: Container, op: InsertOp): void {
    const inserts = this.deltaOf(c).inserts
    const prev = inserts[inserts.length - 1]
    // Typing inside one transaction: continue the previous insert op.
    if (
      prev !== undefined &&
      prev.counter + prev.len === op.counter &&
      op.olReplica === prev.replica &&
      op.olCounter === prev.counter + prev.len - 1 &&
      op.orReplica === prev.orReplica &&
      op.orCounter === prev.orCounter &&
      typeof prev.content === typeof op.content
    ) {
      prev.len += op.len
      prev.content =
        typeof prev.content === 'string' ? prev.content + (op.content as string) : (prev.content as unknown[]).concat(op.content as unknown[])
      return
    }
    // The op is fresh from the sequence and owned by this transaction from here on.
    inserts.push(op)
  }

  recordDelete(c: Container, op: DeleteOp): void {
    this.deltaOf(c).deletes.push(op)
  }

  recordEntry(c: Container, op: MapEntryOp): void {
    const entries = this.deltaOf(c).entries
    // Only the last write of a key in a transaction matters to peers.
    const i = entries.findIndex((e) => e.key === op.key)
    if (i >= 0) entries.splice(i, 1)
    entries.push(op)
  }

  recordCount(c: Container, op: CounterOp): void {
    const counts = this.deltaOf(c).counts
    counts.length = 0
    counts.push(op)
  }

  containerDeltas(): ContainerDelta[] {
    return this.deltas
  }
}
