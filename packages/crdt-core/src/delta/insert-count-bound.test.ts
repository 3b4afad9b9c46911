import { describe, expect, it } from 'vitest'
import { decodeDelta, encodeDelta } from './codec.js'
import { NO_DEPS } from './types.js'

describe('[FMT-1] compact inserts at their smallest', () => {
  it.each([
    [4, 5],
    [5, 3],
  ] as const)('a v%s delta of tombstones without origins (%s bytes each) decodes', (format, size) => {
    // Deleted one-item inserts of a nested list, no origins. v4: ref, counter, length and flag, two
    // empty origin refs; the decoder once asked 6 bytes of each (v1-v3's size, where the flag has its
    // own byte) and refused this as soon as the inserts were most of what was left. v5: the opening
    // and the two origin refs, each dot the expected one.
    const tombstone = (counter: number) => ({
      replica: 5,
      counter,
      len: 1,
      olReplica: 0,
      olCounter: 0,
      orReplica: 0,
      orCounter: 0,
      deleted: true,
      content: null,
    })
    const data = {
      isState: false,
      deps: NO_DEPS,
      ranges: [{ replica: 5, from: 1, to: 4 }],
      containers: [
        { id: { kind: 'list' as const, name: null, replica: 5, counter: 1 }, inserts: [2, 3, 4].map(tombstone), deletes: [], entries: [], counts: [] },
      ],
    }
    const bytes = encodeDelta(data, undefined, format)
    expect(bytes[0]).toBe(format)
    const withTwo = encodeDelta(
      { ...data, containers: [{ ...data.containers[0]!, inserts: [2, 3].map(tombstone) }], ranges: [{ replica: 5, from: 1, to: 3 }] },
      undefined,
      format,
    )
    expect(bytes.length - withTwo.length).toBe(size)
    expect(decodeDelta(bytes).containers[0]!.inserts.map((op) => [op.counter, op.deleted])).toEqual([
      [2, true],
      [3, true],
      [4, true],
    ])
  })
})
