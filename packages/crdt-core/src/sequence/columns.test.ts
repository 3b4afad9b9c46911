import { describe, expect, it } from 'vitest'
import { encodeDelta } from '../delta/codec.js'
import { NO_DEPS } from '../delta/types.js'
import { Doc } from '../doc/doc.js'
import { WeftDecodeError } from '../errors.js'
import { insertOp as span } from '../test-support/ops.js'
import { MAX_SPAN_LEN } from './columns.js'

const TEXT = { kind: 'text', name: 'body', replica: 0, counter: 0 } as const

/** A delta from replica 7 holding one insert of `len` items (a tombstone, so no content is needed). */
function tombstoneInsert(len: number): Uint8Array {
  return encodeDelta({
    isState: false,
    deps: NO_DEPS,
    ranges: [{ replica: 7, from: 0, to: len }],
    containers: [
      {
        id: TEXT,
        inserts: [{ replica: 7, counter: 1, len, olReplica: 0, olCounter: 0, orReplica: 0, orCounter: 0, deleted: true, content: null }],
        deletes: [],
        entries: [],
        counts: [],
      },
    ],
  })
}

describe('span lengths', () => {
  it('a span longer than a sequence can store is a decode error and changes nothing', () => {
    const doc = new Doc()
    doc.getText('body').insert(0, 'kept')
    const before = doc.encodeState()
    expect(() => doc.applyDelta(tombstoneInsert(MAX_SPAN_LEN + 1))).toThrow(WeftDecodeError)
    expect(doc.encodeState()).toEqual(before)
    // The longest storable span still goes in.
    doc.applyDelta(tombstoneInsert(MAX_SPAN_LEN))
    expect(doc.getText('body').toString()).toBe('kept')
    expect(doc.versionVector()[7]).toBe(MAX_SPAN_LEN)
  })
})

describe('loading a state', () => {
  it('into an empty doc and into one with history gives the same text, and both keep editing', () => {
    const a = new Doc({ replicaId: 1 })
    const text = a.getText('body')
    text.insert(0, 'hello world')
    text.delete(2, 3)
    text.insert(5, 'big ')
    const state = a.encodeState()

    const fresh = Doc.load(state, { replicaId: 2 })
    const b = new Doc({ replicaId: 3 })
    b.getText('body').insert(0, 'x')
    b.applyDelta(state)
    expect(fresh.getText('body').toString()).toBe(text.toString())
    expect(b.getText('body').toString()).toContain(text.toString())

    // A lazily loaded doc re-encodes its state unchanged, then builds its tree on the first edit.
    expect(fresh.encodeState()).toEqual(state)
    fresh.getText('body').insert(0, '> ')
    expect(fresh.getText('body').toString()).toBe(`> ${text.toString()}`)
  })
})

describe('a state whose spans continue each other', () => {
  it('loads into one run that later lookups and edits find', () => {
    const piece = (counter: number, olCounter: number, content: string) => ({
      replica: 5,
      counter,
      len: content.length,
      olReplica: olCounter === 0 ? 0 : 5,
      olCounter,
      orReplica: 0,
      orCounter: 0,
      deleted: false,
      content,
    })
    // Two spans a writer of states could emit for "abcd": ids 5:1-2 then 5:3-4 continuing them.
    const state = encodeDelta({
      isState: true,
      deps: NO_DEPS,
      ranges: [{ replica: 5, from: 0, to: 4 }],
      containers: [{ id: TEXT, inserts: [piece(1, 0, 'ab'), piece(3, 2, 'cd')], deletes: [], entries: [], counts: [] }],
    })
    const doc = Doc.load(state, { replicaId: 9 })
    const text = doc.getText('body')
    expect(text.toString()).toBe('abcd')
    // A remote insert after 5:3 ('c') needs the id lookup to find the second piece.
    const other = Doc.load(state, { replicaId: 8 })
    other.on('delta', (d) => doc.applyDelta(d))
    other.getText('body').insert(3, 'X')
    text.delete(0, 1)
    expect(text.toString()).toBe('bcXd')
    expect(doc.getText('body').length).toBe(4)
  })
})

describe('explicit origins in a state', () => {
  /** A text state of these spans, in document order: replica 1's 1..3 and 7..8, then replica 2's "x" with the given origins. */
  function state(ol: [number, number], or: [number, number] = [0, 0]): Uint8Array {
    return encodeDelta({
      isState: true,
      deps: NO_DEPS,
      ranges: [
        { replica: 1, from: 0, to: 8 },
        { replica: 2, from: 0, to: 1 },
        { replica: 3, from: 0, to: 1 },
      ],
      containers: [
        {
          id: TEXT,
          inserts: [span(1, 1, 'abc', [0, 0]), span(1, 7, 'gh', [1, 3]), span(3, 1, 'z', [1, 8]), span(2, 1, 'x', ol, or)],
          deletes: [],
          entries: [],
          counts: [],
        },
      ],
    })
  }

  /** One replica wrote every span (the usual state, decoded without grouping by replica). */
  function oneReplicaState(ol: [number, number]): Uint8Array {
    return encodeDelta({
      isState: true,
      deps: NO_DEPS,
      ranges: [{ replica: 1, from: 0, to: 8 }],
      containers: [{ id: TEXT, inserts: [span(1, 1, 'abc', [0, 0]), span(1, 7, 'gh', ol)], deletes: [], entries: [], counts: [] }],
    })
  }

  it('of a state one replica wrote are checked too', () => {
    expect(
      Doc.load(oneReplicaState([1, 2]))
        .getText('body')
        .toString(),
    ).toBe('abcgh')
    // 2^32 + 2 would read as 2 in a 32-bit column: it must not pass for the item 1:2.
    for (const ol of [
      [1, 5],
      [1, 9],
      [1, 4],
      [2, 1],
      [1, 2 ** 32 + 2],
      [1, 2 ** 40 + 7],
    ] as [number, number][]) {
      expect(() => Doc.load(oneReplicaState(ol)), `origin ${ol}`).toThrow(WeftDecodeError)
    }
  })

  it('naming items of the state load', () => {
    expect(
      Doc.load(state([1, 2], [1, 7]))
        .getText('body')
        .toString(),
    ).toBe('abcghzx')
    expect(
      Doc.load(state([3, 1], [1, 1]))
        .getText('body')
        .toString(),
    ).toBe('abcghzx')
  })

  it('naming ids the state does not hold are decode errors', () => {
    // Past every span of replica 1; in the gap between its two spans; a replica with no span.
    for (const [ol, or] of [
      [
        [1, 9],
        [0, 0],
      ],
      [
        [1, 5],
        [0, 0],
      ],
      [
        [1, 2],
        [1, 4],
      ],
      [
        [2, 5],
        [0, 0],
      ],
      [
        [1, 2],
        [4, 1],
      ],
      [
        [1, 2 ** 32 + 2],
        [0, 0],
      ],
      [
        [1, 2],
        [1, 2 ** 32 + 7],
      ],
    ] as [[number, number], [number, number]][]) {
      expect(() => Doc.load(state(ol, or)), `origins ${ol} / ${or}`).toThrow(WeftDecodeError)
    }
  })
})
