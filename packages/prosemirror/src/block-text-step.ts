import { Mark, type Node as PMNode, type Slice } from 'prosemirror-model'
import { ReplaceStep, StepResult } from 'prosemirror-transform'
import type { BlockStarts } from './block-starts.js'

/**
 * A `ReplaceStep` inside one block (see `BlockStarts`) whose index the
 * binding already knows. Applied to the document it was made for, it replaces that
 * block's content directly: `doc.replace` would first resolve the position by
 * a walk over every block before it (most of a remote keystroke's own cost in
 * a 1,000-block note). On any other document it is a plain `ReplaceStep`, and
 * it serializes, maps and inverts as one (its JSON is a `replace` step).
 */
export class BlockTextStep extends ReplaceStep {
  constructor(
    private readonly madeFor: BlockStarts,
    private readonly blockIndex: number,
    private readonly blockPos: number,
    from: number,
    to: number,
    slice: Slice,
  ) {
    super(from, to, slice)
  }

  override apply(doc: PMNode): StepResult {
    if (doc !== this.madeFor.doc) return super.apply(doc)
    const block = this.madeFor.node(this.blockIndex)
    const start = this.blockPos + 1
    let replaced: PMNode
    try {
      replaced = spliceText(block, this.from - start, this.to - start, this.slice) ?? block.replace(this.from - start, this.to - start, this.slice)
    } catch (e) {
      // What `StepResult.fromReplace` does with a slice that does not fit.
      return StepResult.fail(e instanceof Error ? e.message : String(e))
    }
    return StepResult.ok(this.madeFor.replaceBlock(this.blockIndex, replaced))
  }
}

/**
 * `block` with [from, to) of its content replaced by `slice`, when that stays inside one text node
 * (a deletion that does not empty it, or an insertion of text with its marks): that node with its
 * text spliced. `Node.replace` gives the same node, through a general fit that resolves both
 * positions and rebuilds the content around them (a remote keystroke's largest binding cost after
 * the view's update). Null for anything else.
 */
export function spliceText(block: PMNode, from: number, to: number, slice: Slice): PMNode | null {
  if (slice.openStart !== 0 || slice.openEnd !== 0 || slice.content.childCount > 1) return null
  const inserted = slice.content.firstChild
  if (inserted !== null && !inserted.isText) return null
  if (inserted === null && from === to) return null
  for (let i = 0, pos = 0; i < block.childCount; pos += block.child(i).nodeSize, i++) {
    const child = block.child(i)
    const end = pos + child.nodeSize
    // A deletion from a node's end starts in the next one; an insertion there may go to either.
    if (from > end || (from === end && inserted === null)) continue
    if (!child.isText) return null
    if (inserted === null) {
      if (to > end || to - from === child.nodeSize) return null
    } else if (!Mark.sameSet(inserted.marks, child.marks)) {
      if (from === end) continue
      return null
    }
    const text = child.text ?? ''
    const spliced = text.slice(0, from - pos) + (inserted?.text ?? '') + text.slice(to - pos)
    return block.copy(block.content.replaceChild(i, child.type.schema.text(spliced, child.marks)))
  }
  return null
}
