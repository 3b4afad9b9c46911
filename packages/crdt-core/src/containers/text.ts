import { Sequence } from '../sequence/sequence.js'
import { CONTAINER_KIND } from './container-ref.js'
import type { DocCore } from './doc-core.js'
import type { ContainerId } from './kind.js'

/**
 * Collaborative text. Concurrent edits at one place keep each run intact
 * (no interleaving of characters typed concurrently).
 *
 * @example
 * const body = doc.getText('body')
 * body.insert(0, 'hello')
 * body.delete(0, 1)
 * body.toString() // 'ello'
 */
export class WeftText {
  readonly [CONTAINER_KIND] = 'text' as const
  /** Which kind of container this is. */
  readonly kind = 'text' as const
  /** @internal */
  readonly seq = new Sequence(true)

  /** @internal */
  constructor(
    private readonly doc: DocCore,
    /** @internal */ readonly id: ContainerId,
  ) {}

  get length(): number {
    return this.seq.length
  }

  insert(index: number, text: string): void {
    if (typeof text !== 'string') throw new TypeError(`text.insert expects a string, got ${typeof text}`)
    checkIndex(index, this.seq.length, 'text.insert')
    if (text.length === 0) return
    const doc = this.doc
    const tx = doc.beginImplicit()
    try {
      const counter = doc.allocateCounters(text.length)
      const op = this.seq.localInsert(index, doc.replicaId, counter, text)
      tx.recordInsert(this, op)
      if (tx.trackUndo) tx.undo({ type: 'seq-insert', container: this, replica: doc.replicaId, counter, len: text.length })
    } finally {
      doc.endImplicit(tx)
    }
  }

  delete(index: number, length: number): void {
    checkRange(index, length, this.seq.length, 'text.delete')
    if (length === 0) return
    deleteFromSequence(this.doc, this, this.seq, index, length)
  }

  toString(): string {
    return this.seq.content() as string
  }

  toJSON(): string {
    return this.toString()
  }
}

/** Shared by text and list: one delete op (one dot) for a range of visible items. */
export function deleteFromSequence(doc: DocCore, container: WeftText | import('./list.js').WeftList, seq: Sequence, index: number, length: number): void {
  const tx = doc.beginImplicit()
  try {
    const { ranges, removed } = seq.localDelete(index, length, tx.trackUndo)
    const counter = doc.allocateCounters(1)
    tx.recordDelete(container, { replica: doc.replicaId, counter, ranges })
    if (tx.trackUndo) tx.undo({ type: 'seq-delete', container, ranges, removed })
    doc.logDelete(container, doc.replicaId, counter, ranges)
  } finally {
    doc.endImplicit(tx)
  }
}

export function checkIndex(index: number, length: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index > length) {
    throw new RangeError(`${what}: index ${index} is outside 0..${length}`)
  }
}

export function checkRange(index: number, count: number, length: number, what: string): void {
  if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || count < 0 || index + count > length) {
    throw new RangeError(`${what}: range ${index}..${index + count} is outside 0..${length}`)
  }
}
