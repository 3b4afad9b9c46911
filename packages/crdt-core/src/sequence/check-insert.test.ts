import { describe, expect, it } from 'vitest'
import { insertOp as op } from '../test-support/ops.js'
import { InsertCheck, Sequence } from './sequence.js'

/** A sequence holding "abc" as one span of replica 1 (ids 1:1..1:3). */
function abc(): Sequence {
  const seq = new Sequence(true)
  seq.integrate(op(1, 1, 'abc', [0, 0]))
  return seq
}

describe('Sequence.checkInsert', () => {
  it('tells known origins, missing origins and out-of-order overlaps apart', () => {
    const seq = abc()
    expect(seq.checkInsert(op(2, 1, 'x', [1, 2]))).toBe(InsertCheck.Known)
    expect(seq.checkInsert(op(2, 1, 'x', [1, 9]))).toBe(InsertCheck.OriginMissing)
    expect(seq.checkInsert(op(2, 1, 'x', [1, 1], [3, 1]))).toBe(InsertCheck.OriginMissing)
    // 1:2..1:4 repeats the known 1:2..1:3 and adds 1:4: a known prefix.
    expect(seq.checkInsert(op(1, 2, 'bcd', [1, 1]))).toBe(InsertCheck.Known)
    // 3:4..3:5 is new but 3:5..3:6 is known: known ids past an unknown one.
    seq.integrate(op(3, 5, 'ef', [1, 3]))
    expect(seq.checkInsert(op(3, 4, 'de', [1, 3]))).toBe(InsertCheck.Overlap)
  })

  it('integrates a checked insert where a fresh lookup would, even after an edit split its origin', () => {
    const seq = abc()
    const x = op(2, 1, 'x', [1, 3])
    expect(seq.checkInsert(x)).toBe(InsertCheck.Known)
    // Deleting "b" splits the span the check found "c" in; what it remembered must not be used.
    seq.applyDelete({ replica: 1, counter: 2, len: 1 })
    seq.integrate(x)
    expect(seq.content()).toBe('acx')
  })

  it('integrates a checked insert with a known prefix after that prefix, once', () => {
    const seq = abc()
    const y = op(1, 1, 'abcd', [0, 0])
    expect(seq.checkInsert(y)).toBe(InsertCheck.Known)
    seq.integrate(y)
    expect(seq.content()).toBe('abcd')
  })
})
