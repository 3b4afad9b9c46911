import type { Node as PMNode } from 'prosemirror-model'
import { Schema } from 'prosemirror-model'
import { schema } from 'prosemirror-schema-basic'
import { eachBlock } from './blocks.js'

/**
 * [PM-5] The schemas the binding's seeded tests run on: prosemirror-schema-basic's,
 * whose blocks are the document's children, and the same with the blocks
 * grouped two to a `chunk` (as a long note's editor groups them a hundred
 * to a node), so that edits cross, grow and split groups often.
 */
export const groupedSchema: Schema = new Schema({
  nodes: schema.spec.nodes.update('doc', { content: 'chunk+' }).addToEnd('chunk', { content: 'block+', weftGroupSize: 2, toDOM: () => ['div', 0] }),
  marks: schema.spec.marks,
})

export const schemas: readonly (readonly [string, Schema])[] = [
  ['top-level blocks', schema],
  ['blocks grouped two to a chunk', groupedSchema],
]

/** The document's blocks as JSON, whatever groups hold them: what the text says, not how it is laid out. */
export function blocksJSON(doc: PMNode): unknown[] {
  const out: unknown[] = []
  eachBlock(doc, (block) => {
    out.push(block.toJSON())
    return false
  })
  return out
}

/** Whether every group of a grouped document holds at most twice its size in blocks (true for a flat one). */
export function groupsBounded(doc: PMNode): boolean {
  if (doc.type.schema !== groupedSchema) return true
  let ok = true
  doc.forEach((group) => {
    ok &&= group.childCount <= 4
  })
  return ok
}
