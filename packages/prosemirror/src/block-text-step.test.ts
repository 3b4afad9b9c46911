import { seededRandom } from '@weft/crdt-core'
import { Fragment, type Mark, type Node as PMNode, Slice } from 'prosemirror-model'
import { schema } from 'prosemirror-schema-basic'
import { describe, expect, it } from 'vitest'
import { spliceText } from './block-text-step.js'

const markSets: Mark[][] = [[], [schema.marks.strong.create()], [schema.marks.em.create()], [schema.marks.strong.create(), schema.marks.em.create()]]

/** A paragraph of a few runs with random marks, a hard break now and then. */
function paragraph(rnd: () => number): PMNode {
  const content: PMNode[] = []
  const runs = Math.floor(rnd() * 5)
  for (let i = 0; i < runs; i++) {
    if (rnd() < 0.15) content.push(schema.nodes.hard_break.create())
    else content.push(schema.text('abcdef'.slice(0, 1 + Math.floor(rnd() * 6)), markSets[Math.floor(rnd() * markSets.length)]))
  }
  return schema.nodes.paragraph.create(null, content)
}

describe('spliceText (a remote keystroke applied to its block)', () => {
  it('gives what Node.replace gives whenever it applies, and applies to a deletion or typing inside a run (2,000 seeded edits)', () => {
    let spliced = 0
    for (let seed = 1; seed <= 2000; seed++) {
      const rnd = seededRandom(seed)
      const block = paragraph(rnd)
      const size = block.content.size
      const from = Math.floor(rnd() * (size + 1))
      const del = rnd() < 0.5
      const to = del ? Math.min(size, from + Math.floor(rnd() * 3)) : from
      const slice = del
        ? Slice.empty
        : new Slice(Fragment.from(schema.text('xy'.slice(0, 1 + Math.floor(rnd() * 2)), markSets[Math.floor(rnd() * markSets.length)])), 0, 0)
      const got = spliceText(block, from, to, slice)
      if (got === null) continue
      spliced++
      expect(got.toJSON(), `seed ${seed}`).toEqual(block.replace(from, to, slice).toJSON())
      got.check()
    }
    // A quarter of them: deletions inside a run, and insertions whose random marks are a neighbour's.
    expect(spliced).toBeGreaterThan(400)
  })

  it('leaves to Node.replace what is not one run: an emptied node, marks of no neighbour, a node other than text', () => {
    const bold = schema.marks.strong.create()
    const block = schema.nodes.paragraph.create(null, [schema.text('ab'), schema.text('c', [bold]), schema.nodes.hard_break.create()])
    expect(spliceText(block, 2, 3, Slice.empty)).toBeNull() // would empty 'c'
    expect(spliceText(block, 1, 1, new Slice(Fragment.from(schema.text('x', [schema.marks.em.create()])), 0, 0))).toBeNull()
    expect(spliceText(block, 1, 4, Slice.empty)).toBeNull() // crosses nodes
    expect(spliceText(block, 4, 4, new Slice(Fragment.from(schema.text('x')), 0, 0))).toBeNull() // after the break
    // At the edge between 'ab' and 'c', typed text joins the run whose marks it has.
    expect(spliceText(block, 2, 2, new Slice(Fragment.from(schema.text('x', [bold])), 0, 0))?.child(1).text).toBe('xc')
    expect(spliceText(block, 2, 2, new Slice(Fragment.from(schema.text('x')), 0, 0))?.child(0).text).toBe('abx')
  })
})
