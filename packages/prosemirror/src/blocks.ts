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

/**
 * Calls `visit` with each block of `doc` (a top-level textblock, or a textblock of a top-level group),
 * the position before it, the flat index where its text starts and the index of its group (-1 when
 * the blocks are not grouped), until `visit` returns true.
 */
export function eachBlock(doc: PMNode, visit: (block: PMNode, pos: number, flat: number, group: number) => boolean | undefined): void {
  const grouped = groupType(doc.type.schema) !== null
  let flat = 0
  let pos = 0
  for (let g = 0; g < doc.childCount; g++) {
    const outer = doc.child(g)
    if (!grouped) {
      if (visit(outer, pos, flat, -1) === true) return
      flat += outer.content.size + 1
      pos += outer.nodeSize
      continue
    }
    let at = pos + 1
    for (let k = 0; k < outer.childCount; k++) {
      const block = outer.child(k)
      if (visit(block, at, flat, g) === true) return
      flat += block.content.size + 1
      at += block.nodeSize
    }
    pos += outer.nodeSize
  }
}

/**
 * The first node between positions `from` and `to` of `doc` that the flat mapping cannot hold, or
 * null: a block holding other blocks (a blockquote, a list: nested structure is not mapped), or an
 * inline node with content. Groups of a grouped schema, textblocks and leaves (a rule, a hard
 * break, an image) map.
 */
export function unmappableNode(doc: PMNode, from: number, to: number): PMNode | null {
  const group = groupType(doc.type.schema)
  let found: PMNode | null = null
  doc.nodesBetween(from, to, (node, _pos, parent) => {
    if (found !== null || node.isText) return false
    if (node.isTextblock) return true // its inline nodes
    if (parent === doc && node.type === group) return true // its blocks
    if (!node.isLeaf) found = node
    return false
  })
  return found
}
