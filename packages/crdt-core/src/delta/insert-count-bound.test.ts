import { describe, expect, it } from 'vitest'
import { decodeDelta, encodeDelta } from './codec.js'
import { NO_DEPS } from './types.js'

describe('[FMT-1] v4 inserts at their smallest', () => {
  it('a v4 delta of tombstones without origins (5 bytes each) decodes', () => {
    // Deleted one-item inserts of a nested list, no origins: ref, counter, length and flag, two empty
    // origin refs. The decoder once asked 6 bytes of each (v1-v3's size, where the flag has its own
    // byte) and refused this as soon as the inserts were most of what was left.
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
      ranges: [{ replica: 5, from: 0, to: 4 }],
      containers: [
        { id: { kind: 'list' as const, name: null, replica: 5, counter: 1 }, inserts: [2, 3, 4].map(tombstone), deletes: [], entries: [], counts: [] },
      ],
    }
    const bytes = encodeDelta(data, undefined, true)
    expect(bytes[0]).toBe(4)
    expect(decodeDelta(bytes).containers[0]!.inserts.map((op) => [op.counter, op.deleted])).toEqual([
      [2, true],
      [3, true],
      [4, true],
    ])
  })
})
