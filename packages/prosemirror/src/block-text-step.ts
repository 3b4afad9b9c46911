import type { Node as PMNode, Slice } from 'prosemirror-model'
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
      replaced = block.replace(this.from - start, this.to - start, this.slice)
    } catch (e) {
      // What `StepResult.fromReplace` does with a slice that does not fit.
      return StepResult.fail(e instanceof Error ? e.message : String(e))
    }
    return StepResult.ok(this.madeFor.replaceBlock(this.blockIndex, replaced))
  }
}
