import { setBlockType, toggleMark } from 'prosemirror-commands'
import { Fragment, type MarkType, type NodeType, Schema, Slice } from 'prosemirror-model'
import { type Command, type EditorState, TextSelection } from 'prosemirror-state'

/**
 * The note body's schema. @weft/prosemirror stores a document as one Weft
 * Text with one '\n' per top-level textblock, so every block here is a
 * textblock: a list item and a checklist item are blocks of their own kind
 * (drawn with a bullet or a checkbox) rather than nested lists.
 * Marks follow Peritext's defaults in Weft: bold and italic grow when
 * typing at their end, a link does not.
 */
export const schema = new Schema({
  nodes: {
    doc: { content: 'block+' },
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
  state.doc.nodesBetween($from.before(1), to, (node) => {
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
 * same block at once see it once, not twice.
 */
export function moveBlock(dir: -1 | 1): Command {
  return (state, dispatch) => {
    const { $from, $to, anchor, head } = state.selection
    if ($from.depth < 1 || $to.depth < 1) return false
    const first = $from.index(0)
    const last = $to.index(0)
    const doc = state.doc
    if (dir < 0 ? first === 0 : last === doc.childCount - 1) return false
    if (dispatch) {
      const from = $from.before(1)
      const to = $to.after(1)
      const blocks = doc.slice(from, to).content
      // Up: before the block above; down: after the block below (counted once the blocks are out).
      const target = dir < 0 ? from - doc.child(first - 1).nodeSize : from + doc.child(last + 1).nodeSize
      const tr = state.tr.delete(from, to).insert(target, blocks)
      const shift = target - from
      dispatch(tr.setSelection(TextSelection.create(tr.doc, anchor + shift, head + shift)).scrollIntoView())
    }
    return true
  }
}

/**
 * Enter in a list or checklist item starts another item of its kind (a new
 * checklist item unticked); in an empty one, it ends the list.
 */
export const splitListItem: Command = (state, dispatch) => {
  const { $from, $to } = state.selection
  const block = $from.parent
  if ($from.depth !== 1 || $to.parent !== block || (block.type !== nodes.bullet && block.type !== nodes.check)) return false
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
