import type { JsonValue, TextSpan } from '@weft/crdt-core'
import { Mark, type Node as PMNode, type Schema } from 'prosemirror-model'
import type { BlockStarts } from './block-starts.js'

/**
 * How a ProseMirror document lives in one Weft `Text` (Quill-style):
 * each top-level textblock is its text followed by '\n'; the block's type
 * and attributes are the `block` mark on that '\n' ({ type, attrs }),
 * absent for the schema's default block (a paragraph); an inline mark is
 * a Weft mark named after its type, valued `true` or its attrs. So a
 * heading is "Title\n" with block { type: 'heading', attrs: { level: 1 } }
 * on the '\n', and bold text is text with { strong: true }.
 *
 * Only documents whose top level is a list of textblocks with text inside
 * map this way (paragraphs, headings, code blocks; lists as attributes of a
 * block). Nested block structure is not mapped (see the README).
 */
export const BLOCK_KEY = 'block'

export type Attrs = Record<string, JsonValue>

/** Block-level attribute of a textblock ('\n' mark), or undefined for the default block. */
export function blockAttr(node: PMNode, schema: Schema): JsonValue | undefined {
  const defaultType = schema.topNodeType.contentMatch.defaultType
  const attrs = node.attrs as Record<string, JsonValue>
  const nonDefault = Object.keys(attrs).some((k) => attrs[k] !== node.type.spec.attrs?.[k]?.default)
  if (node.type === defaultType && !nonDefault) return undefined
  return Object.keys(attrs).length === 0 ? { type: node.type.name } : { type: node.type.name, attrs }
}

export function markAttrs(marks: readonly Mark[]): Attrs {
  const out: Attrs = {}
  for (const m of marks) out[m.type.name] = Object.keys(m.attrs).length === 0 ? true : (m.attrs as Record<string, JsonValue>)
  return out
}

/**
 * Visits the flat characters of `doc` between flat indices [from, to) as (text, attrs) runs.
 * With `starts` for `doc`, the blocks before the window are skipped by a search, not a walk.
 */
export function flatRuns(doc: PMNode, from: number, to: number, schema: Schema, starts?: BlockStarts): TextSpan[] {
  const out: TextSpan[] = []
  const push = (insert: string, attrs: Attrs) => {
    const empty = Object.keys(attrs).length === 0
    const last = out[out.length - 1]
    if (last !== undefined && JSON.stringify(last.attributes ?? {}) === JSON.stringify(attrs)) last.insert += insert
    else out.push(empty ? { insert } : { insert, attributes: attrs })
  }
  const first = starts?.doc === doc ? starts.blockOfFlat(from) : 0
  let flat = starts?.doc === doc ? starts.flatStart(first) : 0
  // Blocks before the window only add up their sizes; the walk stops after it.
  for (let i = first; i < doc.childCount && flat < to; i++) {
    const block = doc.child(i)
    const len = block.content.size
    const end = flat + len + 1
    if (end > from && flat < to) {
      block.forEach((child, offset) => {
        const a = flat + offset
        const b = a + child.nodeSize
        if (b <= from || a >= to) return
        const text = child.isText ? child.text! : '\ufffc'
        push(text.slice(Math.max(0, from - a), Math.min(child.nodeSize, to - a)), markAttrs(child.marks))
      })
      if (flat + len >= from && flat + len < to) {
        const attr = blockAttr(block, schema)
        push('\n', attr === undefined ? {} : { [BLOCK_KEY]: attr })
      }
    }
    flat = end
  }
  return out
}

/** Flat length of a document: its text plus one '\n' per block. */
export function flatLength(doc: PMNode): number {
  let n = 0
  for (let i = 0; i < doc.childCount; i++) n += doc.child(i).content.size + 1
  return n
}

/** Flat index of a document position (positions between blocks map to the block boundary). */
export function posToFlat(doc: PMNode, pos: number, starts?: BlockStarts): number {
  // The search, unless the position is inside a block that is not a textblock.
  const found = starts?.doc === doc ? starts.flatOfPos(pos) : null
  if (found !== null) return found
  const $pos = doc.resolve(pos)
  let flat = 0
  const index = $pos.index(0)
  for (let i = 0; i < index; i++) flat += doc.child(i).content.size + 1
  return $pos.depth === 0 ? flat : flat + $pos.parentOffset
}

/** Document position of a flat index (inside its block; the '\n' maps to the block's end). */
export function flatToPos(doc: PMNode, flat: number, starts?: BlockStarts): number {
  if (starts?.doc === doc) return starts.posOfFlat(flat)
  let pos = 0
  let rest = flat
  for (let i = 0; i < doc.childCount; i++) {
    const size = doc.child(i).content.size
    if (rest <= size) return pos + 1 + rest
    rest -= size + 1
    pos += size + 2
  }
  return Math.max(0, doc.content.size - 1)
}

/** Builds a ProseMirror document from Weft spans. Text after the last '\n' becomes a last default block. */
export function docFromSpans(schema: Schema, spans: readonly TextSpan[]): PMNode {
  const blocks: PMNode[] = []
  let inline: PMNode[] = []
  const close = (attr: JsonValue | undefined) => {
    const spec = attr as { type?: string; attrs?: Record<string, unknown> } | undefined
    const type = (spec?.type !== undefined ? schema.nodes[spec.type] : undefined) ?? schema.topNodeType.contentMatch.defaultType!
    blocks.push(type.createChecked(spec?.attrs ?? null, inline))
    inline = []
  }
  for (const span of spans) {
    const text = span.insert
    let start = 0
    for (;;) {
      const nl = text.indexOf('\n', start)
      const piece = text.slice(start, nl < 0 ? text.length : nl)
      if (piece.length > 0) inline.push(schema.text(piece, marksOf(schema, span.attributes)))
      if (nl < 0) break
      close(span.attributes?.[BLOCK_KEY])
      start = nl + 1
    }
  }
  if (inline.length > 0 || blocks.length === 0) close(undefined)
  return schema.topNodeType.createChecked(null, blocks)
}

/** The ProseMirror marks of a run's Weft attributes (unknown keys and the block attribute are skipped). */
export function marksOf(schema: Schema, attrs: Attrs | undefined): readonly Mark[] {
  if (attrs === undefined) return []
  const marks: Mark[] = []
  for (const key of Object.keys(attrs)) {
    if (key === BLOCK_KEY) continue
    const type = schema.marks[key]
    if (type === undefined) continue
    const value = attrs[key]
    marks.push(type.create(typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null))
  }
  // A set in schema order, as ProseMirror requires of a node's marks.
  return Mark.setFrom(marks)
}
