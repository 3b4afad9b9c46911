import type { JsonValue } from '../values.js'
import { anchorIndex, type Anchor, type AnchorResolver, type TextSpan } from './marks.js'

/**
 * How a text changed, in the common delta shape (Quill, Yjs `event.delta`):
 * walk the old content, keeping `retain` characters, adding `insert`ed
 * ones, dropping `delete`d ones; what is left after the last op is kept.
 * An insert carries the marks the new text has; a retain with attributes
 * says which marks changed on those characters (a null value: removed).
 */
export type TextDeltaOp =
  | { retain: number; attributes?: Record<string, JsonValue | null> }
  | { insert: string; attributes?: Record<string, JsonValue> }
  | { delete: number }

export type TextDelta = TextDeltaOp[]

/** What a text edit log needs from the text it follows. */
export interface DeltaSource {
  readonly length: number
  readonly seq: AnchorResolver
  /** The final content of [index, index + length) as runs of equal marks. */
  toDelta(index: number, length: number): TextSpan[]
  /** `content`, known to be [index, index + content.length) of the final content, as `toDelta` gives it. */
  spansOf(index: number, content: string): TextSpan[]
}

/** Past this many edits in one transaction a text's delta is "replace everything" (composing each edit is quadratic). */
const MAX_STEPS = 512

interface TextLog {
  /** Length before the first edit recorded. */
  oldLength: number
  /** Inserts and deletes composed so far (no attributes yet); null once replaced wholesale. */
  ops: TextDeltaOp[] | null
  steps: number
  /** Mark ops whose ranges changed: resolved to final indices when the delta is built. */
  marks: { key: string; start: Anchor; end: Anchor }[]
}

/**
 * Records the edits of one transaction (local, or a remote delta being
 * joined) to each text, in the order they happen, and turns them into one
 * `TextDelta` per text over its content before the transaction. Marks are
 * read from the final state, so a delta always describes what the text
 * shows now, whatever order the ops were joined in.
 */
export class TextEditLog<T extends DeltaSource> {
  private readonly logs = new Map<T, TextLog>()

  /** `content` was inserted at `index` (already applied to `text`). */
  inserted(text: T, index: number, content: string): void {
    const log = this.logOf(text, text.length - content.length)
    if (log.ops !== null && this.step(log)) insertAt(log.ops, index, content)
  }

  /** `length` characters at `index` were deleted (already applied to `text`). */
  deleted(text: T, index: number, length: number): void {
    const log = this.logOf(text, text.length + length)
    if (log.ops !== null && this.step(log)) deleteAt(log.ops, index, length)
  }

  /** A mark op over [start, end) took effect (its key may have a new value there). */
  marked(text: T, key: string, start: Anchor, end: Anchor): void {
    this.logOf(text, text.length).marks.push({ key, start, end })
  }

  /** The text's content was replaced wholesale (a state loaded into it): its delta is delete-all, insert-all. */
  replaced(text: T, oldLength: number): void {
    const log = this.logOf(text, oldLength)
    log.ops = null
  }

  /** Each changed text's delta, from the state the texts are in now. */
  finish(): Map<T, TextDelta> {
    const out = new Map<T, TextDelta>()
    for (const [text, log] of this.logs) out.set(text, build(text, log))
    return out
  }

  private logOf(text: T, oldLength: number): TextLog {
    let log = this.logs.get(text)
    if (log === undefined) {
      log = { oldLength, ops: [], steps: 0, marks: [] }
      this.logs.set(text, log)
    }
    return log
  }

  /** Counts a step; past the bound the log gives up composing and replaces wholesale. */
  private step(log: TextLog): boolean {
    if (++log.steps <= MAX_STEPS) return true
    log.ops = null
    return false
  }
}

function build(text: DeltaSource, log: TextLog): TextDelta {
  if (log.ops === null) {
    const out: TextDelta = text.length > 0 ? text.toDelta(0, text.length).map(insertOf) : []
    if (log.oldLength > 0) out.push({ delete: log.oldLength })
    return out
  }
  // Inserted text takes the marks it has now.
  const out: TextDelta = []
  let at = 0
  for (const op of log.ops) {
    if ('insert' in op) {
      // The inserted text is what the text holds there now (a later delete in the transaction trims `op.insert` too).
      for (const span of text.spansOf(at, op.insert)) out.push(insertOf(span))
      at += op.insert.length
    } else {
      out.push(op)
      if ('retain' in op) at += op.retain
    }
  }
  for (const m of log.marks) {
    const from = anchorIndex(text.seq, m.start, false)
    const to = anchorIndex(text.seq, m.end, true)
    if (from >= to) continue
    let pos = from
    for (const span of text.toDelta(from, to - from)) {
      const value = span.attributes?.[m.key]
      formatAt(out, pos, span.insert.length, m.key, value === undefined ? null : value)
      pos += span.insert.length
    }
  }
  // A trailing plain retain says nothing.
  const last = out[out.length - 1]
  if (last !== undefined && 'retain' in last && last.attributes === undefined) out.pop()
  return out
}

function insertOf(span: TextSpan): TextDeltaOp {
  return span.attributes === undefined ? { insert: span.insert } : { insert: span.insert, attributes: span.attributes }
}

/** Length an op takes in the new content. */
function newLength(op: TextDeltaOp): number {
  return 'retain' in op ? op.retain : 'insert' in op ? op.insert.length : 0
}

/**
 * Index of the op at which new-content position `pos` starts, splitting a
 * retain or insert that straddles it; retains up to `pos` are appended when
 * the ops end before it.
 */
function seek(ops: TextDeltaOp[], pos: number): number {
  let at = 0
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    const len = newLength(op)
    if (at === pos && len > 0) return i
    if (at + len > pos) {
      const k = pos - at
      if ('retain' in op) ops.splice(i, 1, { ...op, retain: k }, { ...op, retain: op.retain - k })
      else if ('insert' in op) ops.splice(i, 1, { ...op, insert: op.insert.slice(0, k) }, { ...op, insert: op.insert.slice(k) })
      return i + 1
    }
    at += len
  }
  if (pos > at) ops.push({ retain: pos - at })
  return ops.length
}

function insertAt(ops: TextDeltaOp[], pos: number, content: string): void {
  let i = seek(ops, pos)
  // Quill's normal form: an insert goes before the deletes at its position.
  while (i > 0 && 'delete' in ops[i - 1]!) i--
  const prev = ops[i - 1]
  if (prev !== undefined && 'insert' in prev) prev.insert += content
  else ops.splice(i, 0, { insert: content })
}

function deleteAt(ops: TextDeltaOp[], pos: number, length: number): void {
  let i = seek(ops, pos)
  let left = length
  while (left > 0) {
    const op = ops[i]
    if (op === undefined) {
      ops.push({ delete: left })
      return
    }
    if ('delete' in op) {
      i++
      continue
    }
    const len = newLength(op)
    const take = Math.min(len, left)
    if ('insert' in op) {
      // Deleting what this transaction inserted: it was never there.
      if (take === len) ops.splice(i, 1)
      else op.insert = op.insert.slice(take)
    } else {
      if (take === len) ops.splice(i, 1, { delete: take })
      else ops.splice(i, 1, { delete: take }, { ...op, retain: len - take })
      i++
    }
    left -= take
  }
  // Neighbouring deletes join.
  for (let k = 1; k < ops.length; k++) {
    const a = ops[k - 1]!
    const b = ops[k]!
    if ('delete' in a && 'delete' in b) {
      a.delete += b.delete
      ops.splice(k--, 1)
    }
  }
}

/** Sets `key` to `value` on the new-content range [pos, pos + length) (retains only: inserts already carry their final marks). */
function formatAt(ops: TextDeltaOp[], pos: number, length: number, key: string, value: JsonValue | null): void {
  let i = seek(ops, pos)
  let left = length
  while (left > 0) {
    if (i === ops.length) ops.push({ retain: left })
    const op = ops[i]!
    const len = newLength(op)
    if (len === 0) {
      i++
      continue
    }
    if (len > left) seek(ops, pos + (length - left) + left)
    const cur = ops[i]!
    if ('retain' in cur) cur.attributes = { ...cur.attributes, [key]: value }
    left -= newLength(cur)
    i++
  }
}
