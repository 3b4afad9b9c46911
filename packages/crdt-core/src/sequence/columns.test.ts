import { describe, expect, it } from 'vitest'
import { encodeDelta } from '../delta/codec.js'
import { Doc } from '../doc/doc.js'
import { WeftDecodeError } from '../errors.js'
import { MAX_SPAN_LEN } from './columns.js'

const TEXT = { kind: 'text', name: 'body', replica: 0, counter: 0 } as const

/** A delta from replica 7 holding one insert of `len` items (a tombstone, so no content is needed). */
function tombstoneInsert(len: number): Uint8Array {
  return encodeDelta({
    isState: false,
    deps: {},
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
    expect(fresh.getText('body').toString()).toBe('> ' + text.toString())
  })
})
