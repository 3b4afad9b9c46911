import { joinTextblockBackward, joinTextblockForward, setBlockType, toggleMark } from 'prosemirror-commands'
import { Fragment, type MarkType, type Node as PMNode, type NodeType, type ResolvedPos, Schema, Slice } from 'prosemirror-model'
import { type Command, type EditorState, TextSelection } from 'prosemirror-state'

/**
 * The note body's schema. @weft/prosemirror stores a document as one Weft
 * Text with one '\n' per top-level textblock, so every block here is a
 * textblock: a list item and a checklist item are blocks of their own kind
 * (drawn with a bullet or a checkbox) rather than nested lists.
 * Marks follow Peritext's defaults in Weft: bold and italic grow when
 * typing at their end, a link does not.
 *
 * The blocks sit in `chunk`s of about a hundred, which the text does not
 * record (the binding groups them when it renders, and splits a chunk that
 * typing made long). Chromium lays out a change by walking the changed
 * element's siblings: in a 1 MB note of 20,000 sibling blocks, ~14 ms per
 * key; chunked, 0.2 (bench/editor/layout-probe.ts). And a chunk off screen
 * is not painted (`content-visibility: auto` in styles.css), so a key
 * repaints what is in view, not the note. Backspace and Delete join blocks
 * across a chunk's edge as within one.
 */
export const schema = new Schema({
  nodes: {
    doc: { content: 'chunk+' },
    chunk: { content: 'block+', parseDOM: [{ tag: 'div.chunk' }], toDOM: () => ['div', { class: 'chunk' }, 0] },
    paragraph: { group: 'block', content: 'text*', parseDOM: [{ tag: 'p' }], toDOM: () => ['p', 0] },
    heading: {
      group: 'block',
      content: 'text*',
      attrs: { level: { default: 1 } },
      defining: true,
      parseDOM: [1, 2, 3].map((level) => ({ tag: `h${level}`, attrs: { level } })),
      toDOM: (node) => [`h${node.attrs.level as number}`, 0],
    },
    bullet: {
      group: 'block',
      content: 'text*',
      parseDOM: [{ tag: 'li:not([data-checked])' }],
      toDOM: () => ['li', { class: 'bullet' }, 0],
    },
    check: {
      group: 'block',
      content: 'text*',
      attrs: { checked: { default: false } },
      parseDOM: [{ tag: 'li[data-checked]', getAttrs: (el) => ({ checked: (el as HTMLElement).dataset.checked === 'true' }) }],
      toDOM: (node) => ['li', { class: 'check', 'data-checked': String(node.attrs.checked) }, 0],
    },
    text: {},
  },
  marks: {
    strong: { parseDOM: [{ tag: 'strong' }, { tag: 'b' }], toDOM: () => ['strong', 0] },
    em: { parseDOM: [{ tag: 'em' }, { tag: 'i' }], toDOM: () => ['em', 0] },
    link: {
      attrs: { href: {} },
      inclusive: false,
      parseDOM: [{ tag: 'a[href]', getAttrs: (el) => ({ href: (el as HTMLElement).getAttribute('href') }) }],
      toDOM: (mark) => ['a', { href: mark.attrs.href as string, rel: 'noopener noreferrer', target: '_blank' }, 0],
    },
  },
})

const nodes = schema.nodes as Record<'paragraph' | 'heading' | 'bullet' | 'check', NodeType>
const marks = schema.marks as Record<'strong' | 'em' | 'link', MarkType>

export const toggleBold = toggleMark(marks.strong)
export const toggleItalic = toggleMark(marks.em)

/** Whether the selection's blocks are all of this type (and attrs). */
export function blockIs(state: EditorState, type: NodeType, attrs?: Record<string, unknown>): boolean {
  const { $from, to } = state.selection
  let all = true
  state.doc.nodesBetween($from.depth > 0 ? $from.before() : 0, to, (node) => {
    if (!node.isTextblock) return true
    if (node.type !== type || (attrs && Object.entries(attrs).some(([k, v]) => node.attrs[k] !== v))) all = false
    return false
  })
  return all
}

/** Turns the selected blocks into `type`, or back into paragraphs when they already are. */
export function toggleBlock(type: NodeType, attrs?: Record<string, unknown>): Command {
  return (state, dispatch) => (blockIs(state, type, attrs) ? setBlockType(nodes.paragraph)(state, dispatch) : setBlockType(type, attrs)(state, dispatch))
}

export const toggleHeading = toggleBlock(nodes.heading, { level: 2 })
export const toggleBullet = toggleBlock(nodes.bullet)
export const toggleCheck = toggleBlock(nodes.check)

export function markActive(state: EditorState, name: 'strong' | 'em' | 'link'): boolean {
  const type = marks[name]
  const { from, $from, to, empty } = state.selection
  if (empty) return type.isInSet(state.storedMarks ?? $from.marks()) !== undefined
  return state.doc.rangeHasMark(from, to, type)
}

/** Links the selection to `href`, or unlinks it when `href` is empty. */
export function setLink(href: string): Command {
  return (state, dispatch) => {
    const { from, to, empty } = state.selection
    if (empty) return false
    if (dispatch) {
      const tr = state.tr.removeMark(from, to, marks.link)
      if (href !== '') tr.addMark(from, to, marks.link.create({ href }))
      dispatch(tr.scrollIntoView())
    }
    return true
  }
}

/**
 * Moves the selection's blocks one block up (-1) or down (1), selection and
 * all. The binding sends it to Weft as one move, so two people moving the
 * same block at once see it once, not twice. The blocks and their neighbour
 * are replaced by the same blocks reordered, which also joins their chunks
 * if they were in two.
 */
export function moveBlock(dir: -1 | 1): Command {
  return (state, dispatch) => {
    const { $from, $to, anchor, head } = state.selection
    if (!$from.parent.isTextblock || !$to.parent.isTextblock) return false
    const doc = state.doc
    const from = $from.before()
    const to = $to.after()
    const neighbour = dir < 0 ? blockBefore(doc, from) : blockAfter(doc, to)
    if (neighbour === null) return false
    if (dispatch) {
      const moved = textblocksBetween(doc, from, to)
      const start = dir < 0 ? neighbour.pos : from
      const end = dir < 0 ? to : neighbour.pos + neighbour.node.nodeSize
      const blocks = dir < 0 ? [...moved, neighbour.node] : [neighbour.node, ...moved]
      const tr = state.tr.replaceWith(start, end, blocks)
      // The moved blocks now start at `start` (up) or after their neighbour (down), in one chunk.
      const movedAt = dir < 0 ? start : start + neighbour.node.nodeSize
      const place = (pos: number) => movedAt + offsetInBlocks(doc, moved, from, pos)
      dispatch(tr.setSelection(TextSelection.create(tr.doc, place(anchor), place(head))).scrollIntoView())
    }
    return true
  }
}

/** The textblocks in [from, to) of `doc`, whichever chunks hold them. */
function textblocksBetween(doc: PMNode, from: number, to: number): PMNode[] {
  const out: PMNode[] = []
  doc.nodesBetween(from, to, (node) => {
    if (node.isTextblock) out.push(node)
    return !node.isTextblock
  })
  return out
}

/** The textblock ending just before position `pos` (a block's start), in this chunk or the one before. */
function blockBefore(doc: PMNode, pos: number): { node: PMNode; pos: number } | null {
  const $pos = doc.resolve(pos)
  const $end = $pos.index() > 0 ? $pos : $pos.depth > 0 && $pos.index($pos.depth - 1) > 0 ? doc.resolve(pos - 2) : null
  const node = $end?.nodeBefore
  return node?.isTextblock === true ? { node, pos: $end!.pos - node.nodeSize } : null
}

/** The textblock starting just after position `pos` (a block's end), in this chunk or the one after. */
function blockAfter(doc: PMNode, pos: number): { node: PMNode; pos: number } | null {
  const $pos = doc.resolve(pos)
  const $start = lastInParent($pos) ? ($pos.depth > 0 && !lastInParent(doc.resolve(pos + 1)) ? doc.resolve(pos + 2) : null) : $pos
  const node = $start?.nodeAfter
  return node?.isTextblock === true ? { node, pos: $start!.pos } : null
}

function lastInParent($pos: ResolvedPos): boolean {
  return $pos.index() >= $pos.parent.childCount
}

/** Where `pos` (inside one of `blocks`, which start at `from` in `doc`) falls in those blocks laid end to end. */
function offsetInBlocks(doc: PMNode, blocks: readonly PMNode[], from: number, pos: number): number {
  const $pos = doc.resolve(pos)
  const block = $pos.parent
  let offset = 0
  for (const b of blocks) {
    if (b === block) return offset + (pos - $pos.before())
    offset += b.nodeSize
  }
  return pos - from
}

/**
 * Backspace at the start of a chunk's first block, or Delete at the end of
 * its last, joins the block with the one across the chunk's edge, as it
 * would inside a chunk. (ProseMirror's joinBackward would join the two
 * chunks first, which the user cannot see, and the key would seem to do
 * nothing.)
 */
export const joinAcrossChunkBackward: Command = (state, dispatch, view) => {
  const { $cursor } = state.selection as TextSelection
  if (!$cursor || $cursor.parentOffset > 0 || $cursor.depth < 2 || $cursor.index($cursor.depth - 1) > 0) return false
  return joinTextblockBackward(state, dispatch, view)
}

export const joinAcrossChunkForward: Command = (state, dispatch, view) => {
  const { $cursor } = state.selection as TextSelection
  if (!$cursor || $cursor.parentOffset < $cursor.parent.content.size || $cursor.depth < 2) return false
  if ($cursor.index($cursor.depth - 1) < $cursor.node($cursor.depth - 1).childCount - 1) return false
  return joinTextblockForward(state, dispatch, view)
}

/**
 * Enter in a list or checklist item starts another item of its kind (a new
 * checklist item unticked); in an empty one, it ends the list.
 */
export const splitListItem: Command = (state, dispatch) => {
  const { $from, $to } = state.selection
  const block = $from.parent
  if ($to.parent !== block || (block.type !== nodes.bullet && block.type !== nodes.check)) return false
  if (block.content.size === 0) return setBlockType(nodes.paragraph)(state, dispatch)
  if (dispatch) {
    const tr = state.tr.deleteSelection()
    tr.split(tr.mapping.map($from.pos), 1, [{ type: block.type, attrs: block.type === nodes.check ? { checked: false } : {} }])
    dispatch(tr.scrollIntoView())
  }
  return true
}

/**
 * Plain text pastes as one paragraph per line, blank lines kept
 * (ProseMirror's default drops them); the first and last lines join the
 * blocks around the caret.
 */
export function plainTextSlice(text: string): Slice {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const blocks = lines.map((line) => nodes.paragraph.create(null, line === '' ? null : schema.text(line)))
  return new Slice(Fragment.from(blocks), 1, 1)
}
