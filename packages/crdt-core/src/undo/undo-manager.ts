import { isContainerRef } from '../containers/container-ref.js'
import type { Container } from '../containers/container.js'
import { valueToJSON } from '../containers/container.js'
import type { Doc } from '../doc/doc.js'
import type { InverseOp } from '../doc/transaction.js'
import type { JsonValue } from '../values.js'
import type { IdRange } from '../sequence/sequence.js'
import type { Content } from '../sequence/span.js'
import { RestoredIds } from './restored-ids.js'

export interface UndoManagerOptions {
  /** Only changes to these containers are undone (default: every container). */
  scope?: Container[]
  /** Local transactions closer together than this (ms) form one undo step (default 500; 0 never merges). */
  captureTimeout?: number
  /** Only transactions with these origins are tracked (default: every local transaction not made by an UndoManager). */
  trackedOrigins?: Set<unknown>
  /** Clock for `captureTimeout` (injected so tests and simulations control time). */
  now?: () => number
}

interface Step {
  ops: InverseOp[]
  time: number
}

/**
 * Undo and redo of this replica's own changes. Other replicas' edits are never
 * undone; undoing an insert deletes what is still there of it, undoing a
 * delete inserts the content again where it was.
 *
 * @example
 * const undo = new UndoManager(doc)
 * text.insert(0, 'typo')
 * undo.undo()   // text is back to ''
 * undo.redo()
 */
export class UndoManager {
  private readonly undoStack: Step[] = []
  private readonly redoStack: Step[] = []
  private mode: 'idle' | 'undoing' | 'redoing' = 'idle'
  private stopped = true
  private readonly scope: Set<Container> | undefined
  private readonly captureTimeout: number
  private readonly trackedOrigins: Set<unknown> | undefined
  private readonly now: () => number
  private readonly unsubscribe: () => void
  private readonly restored = new RestoredIds()

  constructor(
    private readonly doc: Doc,
    options: UndoManagerOptions = {},
  ) {
    this.scope = options.scope ? new Set(options.scope) : undefined
    this.captureTimeout = options.captureTimeout ?? 500
    this.trackedOrigins = options.trackedOrigins
    this.now = options.now ?? Date.now
    this.unsubscribe = doc.on('transaction', ({ origin, transaction }) => {
      const ops = transaction.inverse.filter((op) => this.scope === undefined || this.scope.has(op.container))
      if (ops.length === 0) return
      if (this.mode === 'undoing') {
        this.redoStack.push({ ops, time: this.now() })
        return
      }
      if (this.mode === 'redoing') {
        this.undoStack.push({ ops, time: this.now() })
        return
      }
      if (origin instanceof UndoManager) return
      if (this.trackedOrigins !== undefined && !this.trackedOrigins.has(origin)) return
      this.redoStack.length = 0
      const time = this.now()
      const last = this.undoStack[this.undoStack.length - 1]
      if (!this.stopped && last !== undefined && time - last.time < this.captureTimeout) {
        last.ops.push(...ops)
        last.time = time
      } else {
        this.undoStack.push({ ops, time })
      }
      this.stopped = false
    })
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0
  }

  /** Undoes the last step; returns false when there was none. */
  undo(): boolean {
    return this.run(this.undoStack, 'undoing')
  }

  redo(): boolean {
    return this.run(this.redoStack, 'redoing')
  }

  /** The next change starts a new undo step even within `captureTimeout`. */
  stopCapturing(): void {
    this.stopped = true
  }

  clear(): void {
    this.undoStack.length = 0
    this.redoStack.length = 0
    this.restored.clear()
  }

  destroy(): void {
    this.unsubscribe()
    this.clear()
  }

  private run(stack: Step[], mode: 'undoing' | 'redoing'): boolean {
    const step = stack.pop()
    if (step === undefined) return false
    this.mode = mode
    try {
      this.doc.transact(() => {
        for (let i = step.ops.length - 1; i >= 0; i--) revert(step.ops[i]!, this.restored, this.doc.replicaId)
      }, this)
    } finally {
      this.mode = 'idle'
      this.stopped = true
    }
    return true
  }
}

function revert(op: InverseOp, restored: RestoredIds, replica: number): void {
  switch (op.type) {
    case 'seq-insert': {
      const c = op.container
      if (c.kind !== 'text' && c.kind !== 'list') return
      const seq = c.seq
      if ((c.kind === 'text' && c.moves.size > 0) || restored.has(c)) {
        // A move may have taken the characters elsewhere, or an undo put them back as new items:
        // delete each where it is now, in runs of neighbours, from the last (earlier indices hold).
        const indices: number[] = []
        for (let k = 0; k < op.len; k++) {
          const id = restored.current(c, op.replica, op.counter + k)
          const at = c.kind === 'text' ? c.moves.current(id.replica, id.counter) : id
          if (seq.has(at.replica, at.counter) && !seq.isDeletedAt(at.replica, at.counter)) indices.push(seq.visibleIndexOfId(at.replica, at.counter))
        }
        indices.sort((a, b) => b - a)
        for (let i = 0; i < indices.length; ) {
          let j = i
          while (j + 1 < indices.length && indices[j + 1] === indices[j]! - 1) j++
          c.delete(indices[j]!, j - i + 1)
          i = j + 1
        }
        return
      }
      // Delete whatever of the inserted ids is still visible, range by range.
      let counter = op.counter
      const end = op.counter + op.len
      while (counter < end) {
        const pieceEnd = seq.pieceEnd(op.replica, counter)
        if (pieceEnd === 0) return
        const take = Math.min(pieceEnd, end) - counter
        if (!seq.isDeletedAt(op.replica, counter)) c.delete(seq.visibleIndexOfId(op.replica, counter), take)
        counter += take
      }
      return
    }
    case 'seq-delete': {
      const c = op.container
      if (c.kind !== 'text' && c.kind !== 'list') return
      // Each deleted piece goes back right where it is (not merely at its visible index, see
      // `restoreBefore`; tombstones between pieces stay between them), as new items that later
      // steps find through `restored`.
      for (const piece of deletedPieces(op.ranges, op.removed)) {
        let counter: number
        if (c.kind === 'text') counter = c.restoreBefore(piece, piece.content as string)
        else {
          // Nested containers cannot come back as themselves; their content returns as JSON.
          const items = (piece.content as unknown[]).map((v) => (isContainerRef(v) ? valueToJSON(v) : v))
          counter = c.restoreBefore(piece, items as JsonValue[])
        }
        restored.record(c, [piece], replica, counter)
      }
      return
    }
    case 'map-set': {
      const c = op.container
      if (c.kind !== 'map') return
      if (!op.had) c.delete(op.key)
      else if (!isContainerRef(op.previous)) c.set(op.key, op.previous as JsonValue)
      return
    }
    case 'counter': {
      const c = op.container
      if (c.kind === 'counter') c.increment(-op.amount)
      return
    }
    case 'text-mark': {
      const c = op.container
      if (c.kind === 'text') c.restoreMarks(op.key, op.restore)
      return
    }
    case 'text-move': {
      // The moved characters, wherever they are now (a later move may have taken them on), go back
      // to where the first of them was, with whatever was typed among them since.
      const text = op.container
      const seq = text.seq
      let lo = Number.POSITIVE_INFINITY
      let hi = -1
      for (let k = 0; k < op.len; k++) {
        const at = text.moves.current(op.replica, op.target + k)
        if (seq.isDeletedAt(at.replica, at.counter)) continue
        const i = seq.visibleIndexOfId(at.replica, at.counter)
        if (i < lo) lo = i
        if (i > hi) hi = i
      }
      if (hi < 0) return
      const back = seq.visibleIndexOfId(op.back.replica, op.back.counter)
      if (back <= lo || back > hi) text.move(lo, hi + 1 - lo, back)
      return
    }
  }
}

/**
 * The pieces a delete removed, in document order, each with its first item's id: `removed` holds
 * one entry per piece, while `ranges` joins pieces whose ids run on (other items, since deleted,
 * may lie between them).
 */
function deletedPieces(ranges: readonly IdRange[], removed: readonly Content[]): (IdRange & { content: Content })[] {
  const pieces: (IdRange & { content: Content })[] = []
  let r = 0
  let offset = 0
  for (const content of removed) {
    const range = ranges[r]
    if (range === undefined) break
    pieces.push({ replica: range.replica, counter: range.counter + offset, len: content.length, content })
    offset += content.length
    if (offset >= range.len) {
      r++
      offset = 0
    }
  }
  return pieces
}
