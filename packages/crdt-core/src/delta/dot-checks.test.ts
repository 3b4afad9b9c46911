import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { DecodeScratch, decodeDelta, readDeltaRanges } from './codec.js'

/**
 * Hand-written deltas whose ops claim dots their header does not declare:
 * each format refuses them with `invalid`, however the op's counter is
 * written. Numbers are one-byte varints; a string is its length, then UTF-8;
 * an array is raw bytes.
 */
type Part = number | string | readonly number[]

function bytes(...parts: Part[]): Uint8Array {
  const out: number[] = []
  for (const p of parts) {
    if (typeof p === 'string') out.push(p.length, ...Buffer.from(p))
    else if (typeof p !== 'number') out.push(...p)
    else if (p >= 0 && p < 0x80) out.push(p)
    else throw new Error(`not a one-byte varint: ${p}`)
  }
  return Uint8Array.from(out)
}

/** v1: version, flags, replica table [5, 6], no deps, `ranges` (ref, from, length), then one container. */
const v1 = (ranges: number[], ...container: Part[]) => bytes(1, 0, 2, 5, 6, 0, ranges.length / 3, ...ranges, 1, ...container)
/** v4: as v1, with each op's own counter written as its offset past its range's `from`, minus 1. */
const v4 = (ranges: number[], ...container: Part[]) => bytes(4, 0, 2, 5, 6, 0, ranges.length / 3, ...ranges, 1, ...container)

/** A text insert of `s`: v1 writes kind, tag, name, then (ref, counter, len, no origins, flags, text); v4 folds kind/tag and len/flags. */
const textV1 = (ref: number, counter: number, s: string) => [1, 0, 'body', 1, ref, counter, s.length, 0, 0, 0, s, 0]
const textV4 = (ref: number, field: number, s: string) => [1 << 3, 'body', 1, ref, field, s.length * 2, 0, 0, s, 0]

const REPLICA_5 = [1, 0, 2] // replica 5, dots 1..2
const decodes = (b: Uint8Array) => decodeDelta(b).containers.length

function refused(b: Uint8Array, code: string): void {
  expect(() => decodeDelta(b)).toThrow(expect.objectContaining({ code }))
  expect(() => decodeDelta(b, new DecodeScratch())).toThrow(expect.objectContaining({ code }))
}

describe('an op must lie in the dots its delta declares', () => {
  it('the hand-written deltas decode when their ops are in range', () => {
    expect(decodes(v1(REPLICA_5, ...textV1(1, 1, 'hi')))).toBe(1)
    expect(decodes(v4(REPLICA_5, ...textV4(1, 0, 'hi')))).toBe(1)
    expect(decodes(v1(REPLICA_5, 3, 0, 'm', 1, 'k', 1, 2, 5, 2))).toBe(1)
    expect(decodes(v4(REPLICA_5, 3 << 3, 'm', 1, 'k', 1, 1, 5, 2))).toBe(1)
  })

  it('an insert by a replica with no range, past its range, or too long for it is refused (v1 and v4)', () => {
    refused(v1(REPLICA_5, ...textV1(2, 1, 'hi')), 'invalid')
    refused(v4(REPLICA_5, ...textV4(2, 0, 'hi')), 'invalid')
    refused(v1(REPLICA_5, ...textV1(1, 2, 'hi')), 'invalid')
    refused(v4(REPLICA_5, ...textV4(1, 1, 'hi')), 'invalid')
    refused(v1(REPLICA_5, ...textV1(1, 1, 'hid')), 'invalid')
    refused(v4(REPLICA_5, ...textV4(1, 0, 'hid')), 'invalid')
    // Only v1-v3 can write a counter at or before the range's start.
    refused(v1([1, 1, 2], ...textV1(1, 1, 'hi')), 'invalid')
  })

  it('a delete, map entry or counter op by a replica with no range, or past its range, is refused (v1 and v4)', () => {
    // Delete: ref, counter, one range (ref, start or v4's distance back, length).
    refused(v1(REPLICA_5, 1, 0, 'body', 0, 1, 2, 1, 1, 1, 1, 1), 'invalid')
    refused(v4(REPLICA_5, 1 << 3, 'body', 0, 1, 2, 0, 1, 1, 5, 1), 'invalid')
    refused(v1(REPLICA_5, 1, 0, 'body', 0, 1, 1, 3, 1, 1, 1, 1), 'invalid')
    refused(v4(REPLICA_5, 1 << 3, 'body', 0, 1, 1, 2, 1, 1, 1, 1), 'invalid')
    // Map entry: key, ref, counter, lamport, value (2: deleted).
    refused(v1(REPLICA_5, 3, 0, 'm', 1, 'k', 2, 1, 5, 2), 'invalid')
    refused(v4(REPLICA_5, 3 << 3, 'm', 1, 'k', 2, 0, 5, 2), 'invalid')
    refused(v4(REPLICA_5, 3 << 3, 'm', 1, 'k', 1, 2, 5, 2), 'invalid')
    // Counter op: ref, counter, total.
    refused(v1(REPLICA_5, 4, 0, 'n', 1, 2, 1, 0), 'invalid')
    refused(v4(REPLICA_5, 4 << 3, 'n', 1, 2, 0, 0), 'invalid')
    refused(v4(REPLICA_5, 4 << 3, 'n', 1, 1, 2, 0), 'invalid')
  })

  it("v4 finds an insert's range before reading its length: cut there, one with no range is still invalid", () => {
    // One insert cut just past a 5-byte counter field (2^28), so the insert count's size check passes.
    const cutInsert = (ref: number) => [1 << 3, 'body', 1, ref, [0x80, 0x80, 0x80, 0x80, 0x01]]
    refused(v4(REPLICA_5, ...cutInsert(2)), 'invalid')
    refused(v4(REPLICA_5, ...cutInsert(1)), 'truncated')
    // v1-v3 check an insert once its length is read.
    refused(v1(REPLICA_5, 1, 0, 'body', 1, 2, [0x80, 0x80, 0x80, 0x80, 0x01]), 'truncated')
  })
})

describe('readDeltaRanges reads the header decodeDelta reads', () => {
  it('the same ranges for v1 and v4 deltas, with and without dependencies', () => {
    for (const deltaFormat of [3, 4] as const) {
      const doc = new Doc({ replicaId: 7, deltaFormat })
      const deltas: Uint8Array[] = []
      doc.on('delta', (d) => deltas.push(d))
      const t = doc.getText('t')
      t.insert(0, 'abc')
      t.delete(1, 1)
      doc.transact(() => {
        t.insert(0, 'x')
        doc.getMap('m').set('k', 1)
      })
      const scratch = new DecodeScratch()
      for (const d of [...deltas, doc.encodeState()]) {
        expect(readDeltaRanges(d)).toEqual(decodeDelta(d).ranges)
        expect(readDeltaRanges(d)).toEqual(decodeDelta(d, scratch).ranges)
      }
    }
  })

  it('both refuse two ranges for one replica with invalid', () => {
    const b = v1([1, 0, 2, 1, 4, 2], ...textV1(1, 1, 'hi'))
    expect(() => readDeltaRanges(b)).toThrow(expect.objectContaining({ code: 'invalid' }))
    refused(b, 'invalid')
  })
})
