import type { Sequence } from '../sequence/sequence.js'

/** Which character a cursor sticks to: the one after its index (typing there pushes it right) or the one before. */
export type CursorAssoc = 'after' | 'before'

/**
 * A stable position in a text: the id of the character it sticks to (or the
 * text's start/end when `replica` is 0), not an index. Plain JSON, so it can
 * be stored, sent in presence and resolved on any replica that has the
 * character, even after the character is deleted.
 */
export interface TextCursor {
  readonly replica: number
  readonly counter: number
  readonly assoc: CursorAssoc
}

export function cursorAt(seq: Sequence, index: number, assoc: CursorAssoc): TextCursor {
  if (assoc === 'after') {
    if (index === seq.length) return { replica: 0, counter: 0, assoc }
    return { ...seq.idAtVisible(index), assoc }
  }
  if (index === 0) return { replica: 0, counter: 0, assoc }
  return { ...seq.idAtVisible(index - 1), assoc }
}

export function cursorIndex(seq: Sequence, cursor: TextCursor): number {
  if (!isTextCursor(cursor)) throw new TypeError('text.cursorIndex expects a cursor made by text.cursor(index, assoc)')
  if (cursor.replica === 0) return cursor.assoc === 'after' ? seq.length : 0
  const i = seq.visibleIndexOfId(cursor.replica, cursor.counter)
  if (i < 0) return -1
  // Sticking to the character before: just after it (or where it was, once deleted).
  return cursor.assoc === 'before' && !seq.isDeletedAt(cursor.replica, cursor.counter) ? i + 1 : i
}

export function isTextCursor(v: unknown): v is TextCursor {
  if (typeof v !== 'object' || v === null) return false
  const c = v as Record<string, unknown>
  return Number.isSafeInteger(c.replica) && Number.isSafeInteger(c.counter) && (c.assoc === 'after' || c.assoc === 'before')
}
