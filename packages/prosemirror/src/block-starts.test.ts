import { seededRandom } from '@weft/crdt-core'
import { Fragment, type Node as PMNode, Slice } from 'prosemirror-model'
import type { Schema } from 'prosemirror-model'
import { schema as basicSchema } from 'prosemirror-schema-basic'
import { ReplaceStep, Step } from 'prosemirror-transform'
import { describe, expect, it } from 'vitest'
import { BlockTextStep } from './block-text-step.js'
import { BlockStarts } from './block-starts.js'
import { eachBlock } from './blocks.js'
import { docOfBlocks, flatLength as lengthOf, flatRuns, flatToPos, posToFlat } from './flat.js'
import { schemas } from './schemas.test-support.js'

/**
 * The keystroke fast paths against what they stand for: BlockTextStep
 * must make the document a plain ReplaceStep makes, and BlockStarts must find
 * the block and map positions as a walk over the blocks does, also after
 * being moved along.
 */

function randomDoc(schema: Schema, random: () => number, blocks: number): PMNode {
  const words = ['a', 'bc', 'def', 'ghij']
  return docOfBlocks(
    schema,
    Array.from({ length: blocks }, () => {
      const n = Math.floor(random() * 4)
      const inline = Array.from({ length: n }, () =>
        schema.text(words[Math.floor(random() * words.length)]!, random() < 0.3 ? [schema.marks.strong!.create()] : []),
      )
      return random() < 0.2 ? schema.node('heading', { level: 2 }, inline) : schema.node('paragraph', null, inline)
    }),
  )
}

/** The block holding flat index `flat`, by walking the blocks. */
function walk(doc: PMNode, flat: number): { index: number; pos: number; start: number } | null {
  let found: { index: number; pos: number; start: number } | null = null
  let index = 0
  eachBlock(doc, (block, pos, start) => {
    if (flat <= start + block.content.size) found = { index, pos, start }
    index++
    return found !== null
  })
  return found
}

describe.each(schemas)('BlockStarts and BlockTextStep, %s', (_name, schema) => {
  it('find the block and map positions as a walk does, and make the document a ReplaceStep makes, across 300 seeded edits', () => {
    const random = seededRandom(2206)
    // More blocks than BlockStarts keeps shifts for, so that both its kept shifts and its copies are checked.
    let doc = randomDoc(schema, random, 40)
    let starts = BlockStarts.of(doc)
    for (let step = 0; step < 300; step++) {
      const flatLength = lengthOf(doc)
      const flat = Math.floor(random() * (flatLength + 3))
      const found = starts.at(flat)
      const walked = walk(doc, flat)
      expect(found === null ? null : { index: found.index, pos: found.pos, start: found.start }, `step ${step}, flat ${flat}`).toEqual(walked)
      // The searches give what the walks give.
      const pos = Math.floor(random() * (doc.content.size + 1))
      expect(posToFlat(doc, pos, starts), `step ${step}, pos ${pos}`).toBe(posToFlat(doc, pos))
      expect(flatToPos(doc, flat, starts), `step ${step}, flat ${flat}`).toBe(flatToPos(doc, flat))
      expect(flatRuns(doc, flat, flat + 7, schema, starts)).toEqual(flatRuns(doc, flat, flat + 7, schema))
      expect(starts.length).toBe(flatLength)
      if (found === null) continue
      // Insert or delete inside the block's text, as a remote keystroke does.
      const at = found.pos + 1 + Math.floor(random() * (found.size + 1))
      const del = random() < 0.4 ? Math.min(found.pos + 1 + found.size - at, 1 + Math.floor(random() * 3)) : 0
      const slice = del > 0 ? Slice.empty : new Slice(Fragment.from(schema.text('xy', random() < 0.5 ? [schema.marks.em!.create()] : [])), 0, 0)
      const fast = new BlockTextStep(starts, found.index, found.pos, at, at + del, slice)
      const plain = new ReplaceStep(at, at + del, slice)
      const next = fast.apply(doc).doc!
      expect(next.toJSON()).toEqual(plain.apply(doc).doc!.toJSON())
      expect(fast.toJSON()).toEqual(plain.toJSON())
      const derived = starts.resized(next, found.index, next.content.size - doc.content.size)
      // Deriving leaves the one it came from answering for its own document.
      const again = Math.floor(random() * (flatLength + 1))
      expect(starts.at(again)?.start ?? null, `step ${step}, old starts at ${again}`).toBe(walk(doc, again)?.start ?? null)
      starts = derived
      doc = next
    }
  })
})

describe('BlockTextStep', () => {
  const schema = basicSchema
  it('on another document is a plain ReplaceStep, and a slice that does not fit fails as one', () => {
    const doc = schema.node('doc', null, [schema.node('paragraph', null, [schema.text('one')]), schema.node('paragraph', null, [schema.text('two')])])
    const other = schema.node('doc', null, [schema.node('paragraph', null, [schema.text('zero')]), ...doc.children])
    const slice = new Slice(Fragment.from(schema.text('!')), 0, 0)
    const step = new BlockTextStep(BlockStarts.of(doc), 1, 5, 7, 7, slice)
    expect(step.apply(doc).doc!.child(1).textContent).toBe('t!wo')
    expect(step.apply(other).doc!.toJSON()).toEqual(new ReplaceStep(7, 7, slice).apply(other).doc!.toJSON())
    expect(Step.fromJSON(schema, step.toJSON())).toBeInstanceOf(ReplaceStep)
    // A paragraph inside a paragraph's text does not fit.
    const block = new Slice(Fragment.from(schema.node('paragraph', null, [schema.text('p')])), 0, 0)
    const bad = new BlockTextStep(BlockStarts.of(doc), 1, 5, 7, 7, block)
    expect(bad.apply(doc).failed).toBeTruthy()
    expect(bad.apply(doc).failed).toBe(new ReplaceStep(7, 7, block).apply(doc).failed)
  })
})
