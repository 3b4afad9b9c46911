import type { JsonValue, TextSpan } from '@weft/crdt-core'
import { Mark, type Node as PMNode, type NodeType, type Schema } from 'prosemirror-model'
import type { BlockStarts } from './block-starts.js'
import { eachBlock, groupType, isTextLevel } from './blocks.js'

/**
 * How a ProseMirror document lives in one Weft `Text` (Quill-style):
 * each textblock is its text followed by '\n'; the block's type
 * and attributes are the `block` mark on that '\n' ({ type, attrs }),
 * absent for the schema's default block (a paragraph); an inline mark is
 * a Weft mark named after its type, valued `true` or its attrs. So a
 * heading is "Title\n" with block { type: 'heading', attrs: { level: 1 } }
 * on the '\n', and bold text is text with { strong: true }.
 *
 * An inline node that is not text (a hard break, an image) is one '\ufffc'
 * carrying the `embed` mark ({ type, attrs }), besides its marks.
 *
 * A block nested in blocks that hold blocks (a list's items, a blockquote)
 * is the same text and '\n', with the `parents` mark naming its holders
 * (see PARENTS_KEY and `nestBlocks`). The plugin refuses what the text
 * cannot hold (`unmappableNode`).
 *
 * The top level may instead be groups of textblocks (`doc: 'chunk+'`,
 * `chunk: 'block+'`), which are layout only (nothing nests in them). A browser lays out and paints
 * a change among 20,000 sibling blocks by walking them all; grouped 100 to a
 * node, it walks one group and the list of groups. The text does not record
 * them: `docFromSpans` groups the blocks GROUP_SIZE at a time (or the
 * group's spec's `weftGroupSize`), and the binding splits a group that edits
 * made longer than twice that.
 */
export const BLOCK_KEY = 'block'

/**
 * The mark on a nested block's '\n' naming the blocks that hold it, outermost first:
 * `[{ type, attrs?, first? }]`, `first: true` where this block is that holder's first. A block
 * goes into the holders of the block before it as deep as their types and attrs agree and no
 * `first` says it starts a new one (see `nestBlocks`). A key of its own, not part of `block`:
 * one person putting a paragraph in a quote and another making it a heading both stay.
 */
export const PARENTS_KEY = 'parents'

/** The mark of the '\ufffc' that stands for an inline node other than text: `{ type, attrs? }`. */
export const EMBED_KEY = 'embed'

/** The character an inline node other than text takes in the text. */
const EMBED_CHAR = '\ufffc'

/** Blocks per group when a document is built from the text, unless the group's spec says `weftGroupSize`. */
export const GROUP_SIZE = 100

/** Blocks per group of `type` (a group node type). */
export function groupSize(type: NodeType): number {
  const size = (type.spec as { weftGroupSize?: unknown }).weftGroupSize
  return typeof size === 'number' && size >= 1 ? Math.floor(size) : GROUP_SIZE
}

/** The textblock a schema's documents default to (a paragraph), looking through groups. */
export function defaultBlock(schema: Schema): NodeType {
  return (groupType(schema) ?? schema.topNodeType).contentMatch.defaultType!
}

export type Attrs = Record<string, JsonValue>

/** Block-level attribute of a textblock ('\n' mark), or undefined for the default block. */
export function blockAttr(node: PMNode, schema: Schema): JsonValue | undefined {
  const defaultType = defaultBlock(schema)
  const attrs = node.attrs as Record<string, JsonValue>
  const nonDefault = Object.keys(attrs).some((k) => attrs[k] !== node.type.spec.attrs?.[k]?.default)
  if (node.type === defaultType && !nonDefault) return undefined
  return nodeSpec(node)
}

/** A node's type and attributes as JSON (`attrs` left out when its type has none). */
function nodeSpec(node: PMNode): JsonValue {
  const attrs = node.attrs as Record<string, JsonValue>
  return Object.keys(attrs).length === 0 ? { type: node.type.name } : { type: node.type.name, attrs }
}

export function markAttrs(marks: readonly Mark[]): Attrs {
  const out: Attrs = {}
  for (const m of marks) out[m.type.name] = Object.keys(m.attrs).length === 0 ? true : (m.attrs as Record<string, JsonValue>)
  return out
}

/** The flat characters of `doc` between flat indices [from, to) as (text, attrs) runs; `starts` (for `doc`) saves walking to them. */
export function flatRuns(doc: PMNode, from: number, to: number, schema: Schema, starts?: BlockStarts): TextSpan[] {
  const out: TextSpan[] = []
  const push = (insert: string, attrs: Attrs) => {
    const empty = Object.keys(attrs).length === 0
    const last = out[out.length - 1]
    if (last !== undefined && JSON.stringify(last.attributes ?? {}) === JSON.stringify(attrs)) last.insert += insert
    else out.push(empty ? { insert } : { insert, attributes: attrs })
  }
  const grouped = groupType(schema) !== null
  const visit = (block: PMNode, flat: number, path: ArrayLike<number> | null): boolean => {
    const len = block.content.size
    if (flat + len + 1 > from) {
      block.forEach((child, offset) => {
        const a = flat + offset
        const b = a + child.nodeSize
        if (b <= from || a >= to) return
        if (child.isText) push(child.text!.slice(Math.max(0, from - a), Math.min(child.nodeSize, to - a)), markAttrs(child.marks))
        else push(EMBED_CHAR, { ...markAttrs(child.marks), [EMBED_KEY]: nodeSpec(child) })
      })
      if (flat + len >= from && flat + len < to) {
        const attr = blockAttr(block, schema)
        const parents = path !== null && path.length > 1 && !grouped ? parentsOf(doc, path) : undefined
        push('\n', { ...(attr !== undefined && { [BLOCK_KEY]: attr }), ...(parents !== undefined && { [PARENTS_KEY]: parents }) })
      }
    }
    // The walk stops after the window.
    return flat + len + 1 >= to
  }
  if (starts?.doc === doc) {
    // Blocks before the window are skipped by a search, not a walk.
    for (let i = starts.blockOfFlat(from); i < starts.count && !visit(starts.node(i), starts.flatStart(i), starts.path(i)); i++);
  } else eachBlock(doc, (block, _pos, flat, _group, path) => visit(block, flat, path))
  return out
}

/** The `parents` mark of the block at `path` in `doc` (see PARENTS_KEY). */
function parentsOf(doc: PMNode, path: ArrayLike<number>): JsonValue[] {
  const out: JsonValue[] = []
  let node = doc
  for (let d = 0; d < path.length - 1; d++) {
    node = node.child(path[d]!)
    // The holder's first block: the first child at every level below it.
    let first = true
    for (let e = d + 1; e < path.length && first; e++) first = path[e] === 0
    const spec = nodeSpec(node) as Record<string, JsonValue>
    out.push(first ? { ...spec, first: true } : spec)
  }
  return out
}

/** Flat length of a document: its text plus one '\n' per block. */
export function flatLength(doc: PMNode): number {
  let n = 0
  eachBlock(doc, (block) => {
    n += block.content.size + 1
    return false
  })
  return n
}

/** Flat index of a document position (positions between blocks map to the block boundary). */
export function posToFlat(doc: PMNode, pos: number, starts?: BlockStarts): number {
  // The search, unless the position is inside a block that is not a textblock.
  const found = starts?.doc === doc ? starts.flatOfPos(pos) : null
  if (found !== null) return found
  let out = 0
  eachBlock(doc, (block, at, flat) => {
    if (pos <= at) {
      out = flat
      return true
    }
    const end = at + block.nodeSize
    // Inside a block that is not a textblock: its offset in the nearest parent, as near as there is one.
    out = pos < end ? flat + (block.isTextblock ? pos - at - 1 : doc.resolve(pos).parentOffset) : flat + block.content.size + 1
    return pos < end
  })
  return out
}

/** Document position of a flat index (inside its block; the '\n' maps to the block's end). */
export function flatToPos(doc: PMNode, flat: number, starts?: BlockStarts): number {
  if (starts?.doc === doc) return starts.posOfFlat(flat)
  let out = -1
  let end = 1
  eachBlock(doc, (block, pos, start) => {
    end = pos + block.nodeSize
    if (flat > start + block.content.size) return false
    out = pos + 1 + (flat - start)
    return true
  })
  return out >= 0 ? out : Math.max(0, end - 1)
}

/**
 * The blocks of the text `spans` holds, as textblocks (not grouped, not nested). Text after the last
 * '\n' becomes a last default block; no spans make one empty block.
 */
export function blocksFromSpans(schema: Schema, spans: readonly TextSpan[]): PMNode[] {
  return parseBlocks(schema, spans).blocks
}

/** The blocks of `spans` and, for each, its '\n's `parents` mark (see PARENTS_KEY), if it has one. */
function parseBlocks(schema: Schema, spans: readonly TextSpan[]): { blocks: PMNode[]; parents: (JsonValue | undefined)[] } {
  const blocks: PMNode[] = []
  const parents: (JsonValue | undefined)[] = []
  let inline: PMNode[] = []
  const close = (attrs: Attrs | undefined) => {
    blocks.push(textblockOf(schema, attrs?.[BLOCK_KEY], inline))
    parents.push(attrs?.[PARENTS_KEY])
    inline = []
  }
  for (const span of spans) {
    const text = span.insert
    let start = 0
    for (;;) {
      const nl = text.indexOf('\n', start)
      const piece = text.slice(start, nl < 0 ? text.length : nl)
      if (piece.length > 0) inline.push(...inlineNodes(schema, piece, span.attributes))
      if (nl < 0) break
      close(span.attributes)
      start = nl + 1
    }
  }
  if (inline.length > 0 || blocks.length === 0) close(undefined)
  return { blocks, parents }
}

/** Whether any '\n' of `spans` carries a `parents` mark: the text nests blocks there. */
export function hasParents(spans: readonly TextSpan[]): boolean {
  return spans.some((span) => span.attributes?.[PARENTS_KEY] !== undefined)
}

interface Holder {
  readonly type: string
  readonly attrs: Record<string, unknown> | null
  readonly first: boolean
}

/** A `parents` mark as holders, outermost first; anything not shaped like one is no holder (a top-level block). */
function holdersOf(mark: JsonValue | undefined): Holder[] {
  if (!Array.isArray(mark)) return []
  const out: Holder[] = []
  for (const h of mark) {
    if (typeof h !== 'object' || h === null || Array.isArray(h) || typeof h['type'] !== 'string') return []
    const attrs = h['attrs']
    out.push({ type: h['type'], attrs: typeof attrs === 'object' && attrs !== null && !Array.isArray(attrs) ? attrs : null, first: h['first'] === true })
  }
  return out
}

/**
 * The top-level nodes of `blocks`, each nested in the holders its `parents` mark names: a block
 * goes into the open holders of the block before it as deep as their types agree and no `first`
 * starts a new one, then opens the rest. A holder's attrs are those of the block that opened it:
 * a later block's copy can be stale (a checklist item ticked while a paragraph was added to it
 * elsewhere), and comparing them would split the item in two. Total, so that any text renders, and the same on
 * every replica: a holder type this schema lacks (or that holds no blocks) is left out, and a
 * holder that refuses its content (concurrent edits can leave a list item starting with a list)
 * gives its content to the holder above it.
 */
export function nestBlocks(schema: Schema, blocks: readonly PMNode[], parents: readonly (JsonValue | undefined)[]): PMNode[] {
  const top: PMNode[] = []
  const open: { holder: Holder; type: NodeType | null; children: PMNode[] }[] = []
  const into = () => (open.length > 0 ? open[open.length - 1]!.children : top)
  const close = () => {
    const level = open.pop()!
    const made = level.type === null ? null : tryCreate(level.type, level.holder.attrs, level.children)
    if (made !== null) into().push(made)
    else into().push(...level.children)
  }
  for (let i = 0; i < blocks.length; i++) {
    const holders = holdersOf(parents[i])
    let depth = 0
    while (depth < open.length && depth < holders.length && !holders[depth]!.first && open[depth]!.holder.type === holders[depth]!.type) depth++
    while (open.length > depth) close()
    for (let d = depth; d < holders.length; d++) {
      const h = holders[d]!
      const type = schema.nodes[h.type]
      const holds = type?.isBlock === true && !type.isTextblock && !type.isLeaf
      open.push({ holder: h, type: holds ? type : null, children: [] })
    }
    into().push(blocks[i]!)
  }
  while (open.length > 0) close()
  return top
}

/**
 * The block a '\n' with block mark `attr` closes, holding `inline`. What this schema cannot build
 * that way (a type it lacks or that is not a textblock, attributes or content it refuses: a peer
 * with another schema, or a build before `embed`) becomes the default block with what of `inline`
 * it allows, never an error: a remote change must always render.
 */
function textblockOf(schema: Schema, attr: JsonValue | undefined, inline: readonly PMNode[]): PMNode {
  const spec = attr as { type?: unknown; attrs?: Record<string, unknown> } | undefined
  const type = typeof spec?.type === 'string' ? schema.nodes[spec.type] : undefined
  const fallback = defaultBlock(schema)
  if (type?.isBlock && (type.isTextblock || inline.length === 0)) {
    const made = tryCreate(type, spec?.attrs ?? null, inline)
    if (made !== null) return made
  }
  return (
    tryCreate(fallback, null, inline) ??
    fallback.create(
      null,
      inline
        .filter((n) => n.isText && fallback.contentMatch.matchType(n.type) !== null)
        .map((n) => n.mark(n.marks.filter((m) => fallback.allowsMarkType(m.type)))),
    )
  )
}

function tryCreate(type: NodeType, attrs: Record<string, unknown> | null, content: readonly PMNode[]): PMNode | null {
  try {
    return type.createChecked(attrs, content)
  } catch {
    return null // refused: the caller falls back
  }
}

/**
 * The inline nodes of a piece of text (no '\n') with Weft attributes `attrs`: text, or, for each
 * '\ufffc' with an `embed` mark, the node it names (as text if the schema has no such inline leaf).
 */
export function inlineNodes(schema: Schema, piece: string, attrs: Attrs | undefined): PMNode[] {
  const marks = marksOf(schema, attrs)
  const embed = attrs?.[EMBED_KEY] as { type?: unknown; attrs?: Record<string, unknown> } | undefined
  const type = typeof embed?.type === 'string' ? schema.nodes[embed.type] : undefined
  if (type === undefined || !type.isInline || !type.isLeaf) return [schema.text(piece, marks)]
  const out: PMNode[] = []
  let text = ''
  for (const ch of piece) {
    // Only the embed character is the node: text typed beside it that took its mark stays text.
    const node = ch === EMBED_CHAR ? tryNode(type, embed?.attrs ?? null, marks) : null
    if (node === null) {
      text += ch
      continue
    }
    if (text.length > 0) out.push(schema.text(text, marks))
    text = ''
    out.push(node)
  }
  if (text.length > 0) out.push(schema.text(text, marks))
  return out
}

function tryNode(type: NodeType, attrs: Record<string, unknown> | null, marks: readonly Mark[]): PMNode | null {
  try {
    return type.createChecked(attrs, null, marks)
  } catch {
    return null // attributes it refuses: the character stays text
  }
}

/**
 * Builds a ProseMirror document from Weft spans: its blocks grouped GROUP_SIZE to a group where the
 * schema groups them, nested in the blocks their `parents` marks name where it does not.
 */
export function docFromSpans(schema: Schema, spans: readonly TextSpan[]): PMNode {
  const { blocks, parents } = parseBlocks(schema, spans)
  if (groupType(schema) !== null || !parents.some((p) => p !== undefined)) return docOfBlocks(schema, blocks)
  const top = schema.topNodeType
  const nested = tryCreate(top, null, fitTop(schema, nestBlocks(schema, blocks, parents)))
  // Still refused (an order the top's content expression does not allow): the blocks, unnested.
  return nested ?? docOfBlocks(schema, fitTop(schema, blocks))
}

/**
 * `nodes` as the top level can take them: a holder it refuses (a list item with no list around
 * it) gives it its content instead, and a block it refuses becomes the default block.
 */
function fitTop(schema: Schema, nodes: readonly PMNode[]): PMNode[] {
  const out: PMNode[] = []
  for (const node of nodes) {
    if (schema.topNodeType.contentMatch.matchType(node.type) !== null) out.push(node)
    else if (!isTextLevel(node)) out.push(...fitTop(schema, contentOf(node)))
    else out.push(textblockOf(schema, undefined, contentOf(node)))
  }
  return out
}

function contentOf(node: PMNode): PMNode[] {
  const out: PMNode[] = []
  node.forEach((child) => out.push(child))
  return out
}

/** A document holding `blocks`, grouped where the schema groups them (see `topNodes`). */
export function docOfBlocks(schema: Schema, blocks: readonly PMNode[]): PMNode {
  return schema.topNodeType.createChecked(null, topNodes(schema, blocks))
}

/**
 * The top-level nodes that hold `blocks`: the blocks themselves, or, where the schema groups them,
 * one group of up to twice `groupSize` blocks, or more of `groupSize` each.
 */
export function topNodes(schema: Schema, blocks: readonly PMNode[]): readonly PMNode[] {
  const group = groupType(schema)
  if (group === null) return blocks
  const size = groupSize(group)
  if (blocks.length <= 2 * size) return blocks.length === 0 ? [] : [group.createChecked(null, blocks)]
  const groups: PMNode[] = []
  for (let i = 0; i < blocks.length; i += size) groups.push(group.createChecked(null, blocks.slice(i, i + size)))
  return groups
}

/** The ProseMirror marks of a run's Weft attributes (unknown keys and the block attribute are skipped). */
export function marksOf(schema: Schema, attrs: Attrs | undefined): readonly Mark[] {
  if (attrs === undefined) return []
  const marks: Mark[] = []
  for (const key of Object.keys(attrs)) {
    if (key === BLOCK_KEY || key === EMBED_KEY) continue
    const type = schema.marks[key]
    if (type === undefined) continue
    const value = attrs[key]
    try {
      marks.push(type.create(typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null))
    } catch {
      // Attributes this schema's mark refuses (a required one missing): the mark is left out.
    }
  }
  // A set in schema order, as ProseMirror requires of a node's marks.
  return Mark.setFrom(marks)
}
