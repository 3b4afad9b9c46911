/**
 * The B1–B4 scenarios' inputs, generated from a seeded PRNG outside any timed section, so every
 * library replays the same positions, words and numbers. Each scenario's generator mirrors its
 * public definition (dmonad/crdt-benchmarks); the expected result is computed alongside on plain
 * strings and arrays, so a library that diverges fails the run instead of reporting a figure.
 */
import type { Prng } from './prng.js'

export interface TextOp {
  readonly index: number
  readonly insert?: string
  readonly deleteCount?: number
}

/** N single-letter words: the characters of one N-letter string. */
export function chars(p: Prng, n: number): string {
  return p.word(n, n)
}

/** N inserts at uniform random positions of the text so far; words of `minLen`..`maxLen` letters. */
export function randomInserts(p: Prng, n: number, minLen: number, maxLen: number, start = ''): { ops: TextOp[]; result: string } {
  let s = start
  const ops: TextOp[] = []
  for (let i = 0; i < n; i++) {
    const index = p.int(0, s.length)
    const insert = p.word(minLen, maxLen)
    s = s.slice(0, index) + insert + s.slice(index)
    ops.push({ index, insert })
  }
  return { ops, result: s }
}

/** B1.7: at a random position, insert a 2–10 letter word or delete 1–9 characters (at the end: insert). */
export function randomInsertDeletes(p: Prng, n: number): { ops: TextOp[]; result: string } {
  let s = ''
  const ops: TextOp[] = []
  for (let i = 0; i < n; i++) {
    const index = p.int(0, s.length)
    if (index === s.length || p.bool()) {
      const insert = p.word(2, 10)
      s = s.slice(0, index) + insert + s.slice(index)
      ops.push({ index, insert })
    } else {
      const deleteCount = p.int(1, Math.min(9, s.length - index))
      s = s.slice(0, index) + s.slice(index + deleteCount)
      ops.push({ index, deleteCount })
    }
  }
  return { ops, result: s }
}

/**
 * B2.4, one client's ops: N rounds of a 3–9 letter insert at a random position, then at the same
 * position either another 2–10 letter insert or a delete of 1–9 characters.
 */
export function insertThenInsertOrDelete(p: Prng, n: number, start: string): TextOp[] {
  let s = start
  const ops: TextOp[] = []
  for (let i = 0; i < n; i++) {
    const index = p.int(0, s.length)
    const insert = p.word(3, 9)
    s = s.slice(0, index) + insert + s.slice(index)
    ops.push({ index, insert })
    if (index === s.length || p.bool()) {
      const second = p.word(2, 10)
      s = s.slice(0, index) + second + s.slice(index)
      ops.push({ index, insert: second })
    } else {
      const deleteCount = p.int(1, Math.min(9, s.length - index))
      s = s.slice(0, index) + s.slice(index + deleteCount)
      ops.push({ index, deleteCount })
    }
  }
  return ops
}

/** N numbers in [0, 2^31). */
export function numbers(p: Prng, n: number): number[] {
  return Array.from({ length: n }, () => p.int(0, 0x7fffffff))
}

/** B1.11: N numbers inserted at random positions of the array so far. */
export function randomNumberInserts(p: Prng, n: number): { ops: { index: number; value: number }[]; result: number[] } {
  const result: number[] = []
  const ops: { index: number; value: number }[] = []
  for (let i = 0; i < n; i++) {
    const index = p.int(0, result.length)
    const value = p.int(0, 0x7fffffff)
    result.splice(index, 0, value)
    ops.push({ index, value })
  }
  return { ops, result }
}
