import type { Node as PMNode, NodeType, Schema } from 'prosemirror-model'

/**
 * The node type that groups a schema's blocks, if its top node holds groups
 * of textblocks rather than textblocks (`doc: 'chunk+'`, `chunk: 'block+'`):
 * such groups are layout only, for long notes (see `docFromSpans`). Their
 * blocks map to the text as top-level textblocks do.
 */
export function groupType(schema: Schema): NodeType | null {
  const top = schema.topNodeType.contentMatch.defaultType
  if (top === null || top.isTextblock || top.isLeaf) return null
  return top.contentMatch.defaultType?.isTextblock === true ? top : null
}

/** A block the text maps as one: a textblock, or a leaf block (a rule). Any other block holds blocks. */
export function isTextLevel(node: PMNode): boolean {
  return node.isTextblock || node.isLeaf
}

/**
 * Calls `visit` with each block of `doc` (a textblock or leaf block, at whatever depth: top-level,
 * in a top-level group, or nested in blocks that hold blocks, such as a list's items), the position
 * before it, the flat index where its text starts, the index of its group (-1 when the blocks are
 * not grouped) and its path (the child index at each level from the top, the block's own last;
 * shared and reused: copy it to keep it), until `visit` returns true.
 */
export function eachBlock(doc: PMNode, visit: (block: PMNode, pos: number, flat: number, group: number, path: readonly number[]) => boolean | undefined): void {
  const grouped = groupType(doc.type.schema) !== null
  const path: number[] = []
  let flat = 0
  let stopped = false
  const walk = (parent: PMNode, start: number, group: number): void => {
    let pos = start
    for (let i = 0; i < parent.childCount && !stopped; i++) {
      const node = parent.child(i)
      path.push(i)
      if (isTextLevel(node)) {
        stopped = visit(node, pos, flat, group, path) === true
        flat += node.content.size + 1
      } else walk(node, pos + 1, grouped && parent === doc ? i : group)
      path.pop()
      pos += node.nodeSize
    }
  }
  walk(doc, 0, -1)
}

/**
 * The first node between positions `from` and `to` of `doc` that the flat mapping cannot hold, or
 * null: an inline node with content; in a grouped schema, any block holding blocks (groups are
 * layout only, and nothing nests in them); elsewhere, a block holding blocks but none of the
 * textblocks or leaves the text records (it would vanish).
 */
export function unmappableNode(doc: PMNode, from: number, to: number): PMNode | null {
  const group = groupType(doc.type.schema)
  let found: PMNode | null = null
  doc.nodesBetween(from, to, (node, _pos, parent) => {
    if (found !== null || node.isText) return false
    if (node.isTextblock) return true // its inline nodes
    if (node.isLeaf) return false
    if (parent === doc && node.type === group) return true // its blocks
    if (node.isInline || group !== null || !holdsTextLevel(node)) found = node
    return found === null
  })
  return found
}

function holdsTextLevel(node: PMNode): boolean {
  let found = false
  node.descendants((child) => {
    if (isTextLevel(child) && child.isBlock) found = true
    return !found && !child.isTextblock
  })
  return found
}
