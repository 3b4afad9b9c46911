import { schema } from 'prosemirror-schema-basic'
import type { Node as PMNode } from 'prosemirror-model'
import { describe, expect, it } from 'vitest'
import { findBlockMove } from './block-move.js'
import { BlockStarts } from './block-starts.js'

const p = (s: string) => schema.node('paragraph', null, s === '' ? [] : [schema.text(s)])
const doc = (...blocks: PMNode[]) => BlockStarts.of(schema.node('doc', null, blocks))
const size = (b: PMNode) => b.content.size + 1

describe('findBlockMove', () => {
  const a = p('a')
  const b = p('bbbbbb')
  const c = p('cccc')
  const d = p('d')

  it('reads a block dragged down, or up, as a move of that block', () => {
    expect(findBlockMove(doc(a, b, c, d), doc(b, c, a, d), size)).toEqual({ from: 0, count: 1, to: 3 })
    expect(findBlockMove(doc(a, b, c, d), doc(a, d, b, c), size)).toEqual({ from: 3, count: 1, to: 1 })
  })

  it('moves the run of fewer blocks, then of fewer characters', () => {
    expect(findBlockMove(doc(a, d, b), doc(b, a, d), size)).toEqual({ from: 2, count: 1, to: 0 })
    expect(findBlockMove(doc(b, a, d), doc(a, d, b), size)).toEqual({ from: 0, count: 1, to: 3 })
    // A swap of two: the shorter one moves.
    expect(findBlockMove(doc(a, b, c), doc(b, a, c), size)).toEqual({ from: 0, count: 1, to: 2 })
    expect(findBlockMove(doc(b, a, c), doc(a, b, c), size)).toEqual({ from: 1, count: 1, to: 0 })
  })

  it('moves the run where the edit started, when that is one of the two', () => {
    expect(findBlockMove(doc(a, b, c), doc(b, a, c), size, 1)).toEqual({ from: 1, count: 1, to: 0 })
    expect(findBlockMove(doc(a, d, b), doc(b, a, d), size, 0)).toEqual({ from: 0, count: 2, to: 3 })
    expect(findBlockMove(doc(a, d, b), doc(b, a, d), size, 1)).toEqual({ from: 2, count: 1, to: 0 })
  })

  it('matches blocks by content as well as by identity', () => {
    expect(findBlockMove(doc(a, b, c), doc(p('bbbbbb'), p('cccc'), p('a')), size)).toEqual({ from: 0, count: 1, to: 3 })
  })

  it('answers null when anything else changed, or nothing did', () => {
    expect(findBlockMove(doc(a, b, c), doc(a, b, c), size)).toBeNull()
    expect(findBlockMove(doc(a, b, c), doc(b, p('a!'), c), size)).toBeNull()
    expect(findBlockMove(doc(a, b, c), doc(b, a), size)).toBeNull()
    expect(findBlockMove(doc(a, b, c, d), doc(b, a, d, c), size)).toBeNull()
  })
})
