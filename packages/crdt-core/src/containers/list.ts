import { Sequence } from '../sequence/sequence.js'
import { assertJsonValue, cloneJson, type JsonValue } from '../values.js'
import type { ContainerByKind } from './container.js'
import { containerToJSON } from './to-json.js'
import { CONTAINER_KIND } from './container-ref.js'
import type { DocCore } from './doc-core.js'
import type { Transaction } from '../doc/transaction.js'
import type { ContainerId, ContainerKind } from './kind.js'
import { checkIndex, checkRange, deleteFromSequence } from './text.js'

/**
 * A collaborative list of JSON values and nested containers.
 *
 * @example
 * const items = doc.getList('items')
 * items.push('a', 'b')
 * const sub = items.insertContainer(0, 'map')
 * sub.set('done', false)
 */
export class WeftList {
  readonly [CONTAINER_KIND] = 'list' as const
  /** Which kind of container this is. */
  readonly kind = 'list' as const
  /** @internal */
  readonly seq = new Sequence(false)

  /** @internal */
  constructor(
    private readonly doc: DocCore,
    /** @internal */ readonly id: ContainerId,
  ) {}

  get length(): number {
    return this.seq.length
  }

  insert(index: number, ...values: JsonValue[]): void {
    checkIndex(index, this.seq.length, 'list.insert')
    values.forEach((v, i) => assertJsonValue(v, `list.insert value ${i}`))
    if (values.length === 0) return
    this.insertItems(
      index,
      values.map((v) => cloneJson(v)),
    )
  }

  push(...values: JsonValue[]): void {
    this.insert(this.seq.length, ...values)
  }

  /** Inserts a new nested container at `index` and returns it. */
  insertContainer<K extends ContainerKind>(index: number, kind: K): ContainerByKind[K] {
    checkIndex(index, this.seq.length, 'list.insertContainer')
    this.doc.checkNestable(this)
    const tx = this.doc.beginImplicit()
    try {
      const counter = this.doc.allocateCounters(1)
      const created = this.doc.nestedContainer(kind, this.doc.replicaId, counter, this) as ContainerByKind[K]
      this.placeItems(tx, index, counter, [created], null)
      return created
    } finally {
      this.doc.endImplicit(tx)
    }
  }

  /** Appends a new nested container and returns it. */
  pushContainer<K extends ContainerKind>(kind: K): ContainerByKind[K] {
    return this.insertContainer(this.seq.length, kind)
  }

  delete(index: number, count = 1): void {
    checkRange(index, count, this.seq.length, 'list.delete')
    if (count === 0) return
    deleteFromSequence(this.doc, this, this.seq, index, count)
  }

  /** The value or container at `index`, or undefined past the end. */
  get(index: number): unknown {
    if (!Number.isInteger(index) || index < 0 || index >= this.seq.length) return undefined
    return this.seq.get(index)
  }

  /** Values and containers, in order. */
  toArray(): unknown[] {
    return this.seq.content() as unknown[]
  }

  toJSON(): unknown[] {
    // Iterative over nested containers (see to-json.ts).
    return containerToJSON(this) as unknown[]
  }

  /**
   * @internal Undo's restore of deleted items: `items` again right where the deleted item `anchor`
   * is (see `Sequence.localInsertBefore`). Returns the counter of the first new item.
   */
  restoreBefore(anchor: { readonly replica: number; readonly counter: number }, items: JsonValue[]): number {
    const tx = this.doc.beginImplicit()
    try {
      const counter = this.doc.allocateCounters(items.length)
      this.placeItems(
        tx,
        -1,
        counter,
        items.map((v) => cloneJson(v)),
        anchor,
      )
      return counter
    } finally {
      this.doc.endImplicit(tx)
    }
  }

  private insertItems(index: number, items: unknown[]): void {
    const tx = this.doc.beginImplicit()
    try {
      this.placeItems(tx, index, this.doc.allocateCounters(items.length), items, null)
    } finally {
      this.doc.endImplicit(tx)
    }
  }

  /** Places items at visible `index`, or right before `anchor` when one is given. */
  private placeItems(
    tx: Transaction,
    index: number,
    counter: number,
    items: unknown[],
    anchor: { readonly replica: number; readonly counter: number } | null,
  ): void {
    const doc = this.doc
    const op =
      anchor === null
        ? this.seq.localInsert(index, doc.replicaId, counter, items)
        : this.seq.localInsertBefore(anchor.replica, anchor.counter, doc.replicaId, counter, items)
    tx.recordInsert(this, op)
    if (tx.trackUndo) tx.undo({ type: 'seq-insert', container: this, replica: doc.replicaId, counter, len: items.length })
  }
}
