import type { ContainerDelta, CounterOp, DeleteOp, MapEntryOp } from '../delta/types.js'
import type { IdRange, InsertOp } from '../sequence/sequence.js'
import type { Content } from '../sequence/span.js'
import type { Container } from '../containers/container.js'
import type { MarkSegment, WeftText } from '../containers/text.js'
import type { MarkOp } from '../text/marks.js'
import type { MoveOp } from '../text/moves.js'
import { TextEditLog } from '../text/text-delta.js'

/** What undoing one local change takes (recorded as the change happens). */
export type InverseOp =
  | { type: 'seq-insert'; container: Container; replica: number; counter: number; len: number }
  | { type: 'seq-delete'; container: Container; ranges: IdRange[]; removed: Content[] }
  | { type: 'map-set'; container: Container; key: string; had: boolean; previous: unknown }
  | { type: 'counter'; container: Container; amount: number }
  | { type: 'text-mark'; container: Container; key: string; restore: MarkSegment[] }
  /** A text move: the copy's ids (wherever later moves took them) go back to where `back` was. */
  | { type: 'text-move'; container: WeftText; replica: number; target: number; len: number; back: IdRange }

/**
 * Shared empty section: a container delta's sections start as this and get
 * their own array on their first op, so a one-op transaction allocates one
 * small array instead of four growable ones. Never pushed to.
 */
const NONE = Object.freeze([]) as unknown as never[]

/**
 * Collects the operations of one local transaction: they become one delta,
 * one change event and one undo step when it ends. Built for the common
 * transaction (one keystroke: one container, one op): the first container is
 * held in fields, and arrays appear only for a second one.
 */
export class Transaction {
  /** Opened by a container call outside `transact`; it ends with that call. */
  implicit = false
  /** Undo records; only collected when an undo manager listens (`trackUndo`). */
  readonly inverse: InverseOp[]
  private firstContainer: Container | undefined = undefined
  private firstDelta: ContainerDelta | undefined = undefined
  /** Every touched container and its delta, in order, once there are two or more. */
  private touched: Container[] | undefined = undefined
  private deltas: ContainerDelta[] | undefined = undefined

  /** Each text's edits, for the change event's deltas; only kept while someone listens for changes. */
  readonly textEdits: TextEditLog<WeftText> | null

  constructor(
    readonly origin: unknown,
    /** This replica's counter when the transaction began. */
    readonly startCounter: number,
    /** Whether containers should record undo information (callers skip building records otherwise). */
    readonly trackUndo: boolean,
    trackChanges = false,
  ) {
    this.inverse = trackUndo ? [] : NONE
    this.textEdits = trackChanges ? new TextEditLog() : null
  }

  get isEmpty(): boolean {
    return this.firstContainer === undefined
  }

  /** The containers this transaction changed. */
  get changed(): Set<Container> {
    const set = new Set<Container>()
    if (this.touched !== undefined) for (const c of this.touched) set.add(c)
    else if (this.firstContainer !== undefined) set.add(this.firstContainer)
    return set
  }

  undo(op: InverseOp): void {
    if (this.trackUndo) this.inverse.push(op)
  }

  private deltaOf(c: Container): ContainerDelta {
    if (this.firstContainer === c) return this.firstDelta!
    const touched = this.touched
    if (touched !== undefined) {
      const i = touched.indexOf(c)
      if (i >= 0) return this.deltas![i]!
    }
    const d: ContainerDelta = { id: c.id, inserts: NONE, deletes: NONE, entries: NONE, counts: NONE }
    if (this.firstContainer === undefined) {
      this.firstContainer = c
      this.firstDelta = d
    } else if (touched === undefined) {
      this.touched = [this.firstContainer, c]
      this.deltas = [this.firstDelta!, d]
    } else {
      touched.push(c)
      this.deltas!.push(d)
    }
    return d
  }

  recordInsert(c: Container, op: InsertOp): void {
    const d = this.deltaOf(c)
    const inserts = d.inserts
    if (inserts === NONE) {
      // The op is fresh from the sequence and owned by this transaction from here on.
      d.inserts = [op]
      return
    }
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
      prev.content = typeof prev.content === 'string' ? prev.content + (op.content as string) : (prev.content as unknown[]).concat(op.content as unknown[])
      return
    }
    inserts.push(op)
  }

  recordDelete(c: Container, op: DeleteOp): void {
    const d = this.deltaOf(c)
    if (d.deletes === NONE) d.deletes = [op]
    else d.deletes.push(op)
  }

  recordEntry(c: Container, op: MapEntryOp): void {
    const d = this.deltaOf(c)
    if (d.entries === NONE) {
      d.entries = [op]
      return
    }
    // Only the last write of a key in a transaction matters to peers.
    const entries = d.entries
    const i = entries.findIndex((e) => e.key === op.key)
    if (i >= 0) entries.splice(i, 1)
    entries.push(op)
  }

  recordMark(c: Container, op: MarkOp): void {
    const d = this.deltaOf(c)
    if (d.marks === undefined) d.marks = [op]
    else d.marks.push(op)
  }

  recordMove(c: Container, op: MoveOp): void {
    const d = this.deltaOf(c)
    if (d.moves === undefined) d.moves = [op]
    else d.moves.push(op)
  }

  recordCount(c: Container, op: CounterOp): void {
    // Only the newest running total matters.
    this.deltaOf(c).counts = [op]
  }

  /** The delta of the only container this transaction changed; undefined when it changed none or several. */
  soleContainerDelta(): ContainerDelta | undefined {
    return this.deltas === undefined ? this.firstDelta : undefined
  }

  /** The delta of each container this transaction changed, in the order they were first changed. */
  containerDeltas(): ContainerDelta[] {
    if (this.deltas !== undefined) return this.deltas
    return this.firstDelta === undefined ? [] : [this.firstDelta]
  }
}
