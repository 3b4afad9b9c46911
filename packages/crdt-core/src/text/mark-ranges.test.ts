import { describe, expect, it } from 'vitest'
import { seededRandom } from '../seeded-random.js'
import { MarkRanges } from './mark-ranges.js'

/**
 * MarkRanges against a plain model (every range in an array, each query a
 * full scan) under seeded random pushes, inserts and deletes: the index must
 * find exactly the ops a scan finds, whatever the edits did to the order.
 */

const SEED = Number(process.env['WEFT_SEED'] ?? 7)

function brute(froms: number[], tos: number[], from: number, to: number): number[] {
  const out: number[] = []
  for (let i = 0; i < froms.length; i++) if (froms[i]! < tos[i]! && tos[i]! > from && froms[i]! < to) out.push(i)
  return out
}

function bounds(r: MarkRanges): { froms: number[]; tos: number[] } {
  const ops = Array.from({ length: r.size }, (_, i) => i)
  return { froms: ops.map((i) => r.from(i)), tos: ops.map((i) => r.to(i)) }
}

function found(r: MarkRanges, from: number, to: number): number[] {
  const out: number[] = []
  r.overlapping(from, to, (i) => out.push(i))
  return out.sort((a, b) => a - b)
}

describe('MarkRanges', () => {
  for (let run = 0; run < 20; run++) {
    const seed = SEED * 1000 + run
    it(`finds what a full scan finds across random edits (seed ${seed})`, () => {
      const random = seededRandom(seed)
      const int = (n: number) => Math.floor(random() * n)
      const r = new MarkRanges()
      const froms: number[] = []
      const tos: number[] = []
      let length = 200
      // Some ops are wide (a bold paragraph), most a word long.
      const pushOne = () => {
        const f = int(length)
        const t = Math.min(length, f + (random() < 0.1 ? int(150) : int(8)) + 1)
        froms.push(f)
        tos.push(t)
        r.push(f, t)
      }
      for (let i = 0; i < 40; i++) pushOne()
      for (let step = 0; step < 400; step++) {
        const k = random()
        if (k < 0.1) pushOne()
        else if (k < 0.6) {
          const index = int(length + 1)
          const len = 1 + int(4)
          // A bound at the insert point stays or moves past the run, as its anchor's side says. Anchors
          // keep their order in the sequence, so an op's start never moves past its end: if the start
          // moves past the new text, an end tied with it does too.
          const startPast = froms.map(() => random() < 0.5)
          const endPast = startPast.map((past) => past || random() < 0.5)
          const placed = (op: number, isEnd: boolean) => ((isEnd ? endPast : startPast)[op] ? index + len : index)
          r.shiftForInsert(index, len, placed)
          for (let i = 0; i < froms.length; i++) {
            if (froms[i]! > index) froms[i]! += len
            else if (froms[i] === index) froms[i] = placed(i, false)
            if (tos[i]! > index) tos[i]! += len
            else if (tos[i] === index) tos[i] = placed(i, true)
          }
          length += len
        } else if (length > 0) {
          const index = int(length)
          const len = Math.min(length - index, 1 + int(6))
          r.shiftForDelete(index, len)
          for (let i = 0; i < froms.length; i++) {
            if (froms[i]! > index) froms[i] = froms[i]! >= index + len ? froms[i]! - len : index
            if (tos[i]! > index) tos[i] = tos[i]! >= index + len ? tos[i]! - len : index
          }
          length -= len
        }
        expect(bounds(r)).toEqual({ froms, tos })
        const from = int(length + 1)
        const to = from + 1 + int(10)
        expect(found(r, from, to), `seed ${seed}, step ${step}, window [${from}, ${to})`).toEqual(brute(froms, tos, from, to))
      }
    })
  }

  it('an op whose start is past its end (anchors out of order, as only a forged delta has them) is never found, across random edits', () => {
    const random = seededRandom(SEED)
    const int = (n: number) => Math.floor(random() * n)
    const r = new MarkRanges()
    let length = 100
    const inverted = new Set<number>()
    for (let i = 0; i < 60; i++) {
      const f = int(length)
      const t = Math.min(length, f + 1 + int(5))
      // Every third op has its bounds swapped.
      if (i % 3 === 0) {
        inverted.add(i)
        r.push(t, f)
      } else r.push(f, t)
    }
    for (let step = 0; step < 300; step++) {
      if (random() < 0.6) {
        const index = int(length + 1)
        const len = 1 + int(4)
        // A tied start goes either side (its end with it); an inverted op's start never comes before its end.
        const past = random() < 0.5
        r.shiftForInsert(index, len, (op, isEnd) => (inverted.has(op) ? (isEnd ? index : index + len) : isEnd || past ? index + len : index))
        length += len
      } else if (length > 0) {
        const index = int(length)
        const len = Math.min(length - index, 1 + int(6))
        r.shiftForDelete(index, len)
        length -= len
      }
      const hit = found(r, 0, length + 1).filter((op) => inverted.has(op))
      expect(hit, `step ${step}`).toEqual([])
    }
  })

  it('a bound placed outside the insert point (not expected of an anchor) still leaves the index sorted', () => {
    const r = new MarkRanges()
    for (const [f, t] of [
      [0, 2],
      [5, 20],
      [5, 9],
      [7, 8],
    ] as const)
      r.push(f, t)
    // The op at 5 is told to start at 12, past the others.
    r.shiftForInsert(5, 1, (op, isEnd) => (isEnd ? 9 : op === 1 ? 12 : 5))
    const { froms, tos } = bounds(r)
    expect(froms).toEqual([0, 12, 5, 8])
    expect(found(r, 10, 14)).toEqual([1])
    expect(found(r, 10, 14)).toEqual(brute(froms, tos, 10, 14))
    expect(found(r, 0, 20)).toEqual(brute(froms, tos, 0, 20))
  })
})
