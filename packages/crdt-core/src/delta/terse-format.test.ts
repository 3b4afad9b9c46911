import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { WeftDecodeError } from '../errors.js'
import { decodeRefusal, hex } from '../test-support/decode-refusal.js'
import { decodeDelta } from './codec.js'

/**
 * [FMT-1] v6 leaves out a table count of one, the references that can only
 * name that one replica, a count of one op, a varint's eighth byte of a wide
 * id, the lengths of unit ranges and the tags of a list of integers; each rule is also one the reader
 * enforces, so every delta has one encoding. Each case changes a valid v6
 * delta (golden.test.ts's vectors) in one place and must be refused with the
 * code given; the controls must decode.
 */

/** Typing 'hi' into root text 'body' as replica 5: flags 0x7c (no deps, one range, one container, one replica, one op). */
const TYPED = '06 7c 05 00 02 48 04 626f6479 12 00 00 6869'
/** Deleting 5:2 as replica 5 at 5:3: opening 1 range * 4 + 2 (unit), the target 1 back. */
const DELETED = '06 7c 05 02 01 88 04 626f6479 06 01'
/** Typing 'o' at 5:4 between 5:1 and 5:2: each origin one field, back from the op. */
const BETWEEN = '06 7c 05 03 01 48 04 626f6479 0a 03 02 6f'
/** Pushing 1, -2 and 300 onto root list 'l': opening 3 * 8 + 2 (integers, no tags), then zig-zag varints. */
const LIST_INTS = '06 7c 05 00 03 50 01 6c 1a 00 00 02 03 d804'
/** TYPED by replica 2^52 + 5, its id in 7 bytes under flag 0x80. */
const WIDE = '06 fc 05 00 00 00 00 00 10 00 02 48 04 626f6479 12 00 00 6869'

describe('[FMT-1] delta format 6: what the reader infers it also checks', () => {
  it('the controls decode to the ops they stand for', () => {
    const typed = decodeDelta(hex(TYPED))
    expect(typed.ranges).toEqual([{ replica: 5, from: 0, to: 2 }])
    expect(typed.containers[0]!.inserts[0]).toMatchObject({ replica: 5, counter: 1, len: 2, content: 'hi', olReplica: 0, orReplica: 0 })
    expect(decodeDelta(hex(DELETED)).containers[0]!.deletes[0]).toEqual({ replica: 5, counter: 3, ranges: [{ replica: 5, counter: 2, len: 1 }] })
    expect(decodeDelta(hex(BETWEEN)).containers[0]!.inserts[0]).toMatchObject({ counter: 4, olReplica: 5, olCounter: 1, orReplica: 5, orCounter: 2 })
    expect(decodeDelta(hex(WIDE)).ranges).toEqual([{ replica: 2 ** 52 + 5, from: 0, to: 2 }])
    expect(decodeDelta(hex(LIST_INTS)).containers[0]!.inserts[0]).toMatchObject({ counter: 1, len: 3, content: [1, -2, 300] })
  })

  it.each([
    ['v6 header flags on a v5 delta', '05 7c 05 00 02 48 04 626f6479 12 00 00 6869', 'invalid', /unknown delta flags/],
    ['a table count of 1 written where ONE_REPLICA would say it', '06 5c 01 05 01 00 02 48 04 626f6479 12 00 00 6869', 'invalid', /1 replica written out/],
    ['an op count of 1 written where ONE_OP would say it', '06 3c 05 00 02 48 04 626f6479 01 12 00 00 6869', 'invalid', /count of one op written out/],
    ['ONE_OP without ONE_CONTAINER', '06 6c 05 00 02 01 48 04 626f6479 12 00 00 6869', 'invalid', /one op flagged without one container/],
    ['ONE_OP on a container with two op sections', '06 7c 05 00 02 c8 04 626f6479 12 00 00 6869', 'invalid', /without exactly one op section/],
    ['a 7-byte id under 2^49', '06 fc 05 00 00 00 00 00 00 00 02 48 04 626f6479 12 00 00 6869', 'invalid', /under 2\^49/],
    ['an id of 8 varint bytes without WIDE_IDS', '06 7c 8580808080808008 00 02 48 04 626f6479 12 00 00 6869', 'invalid', /8 varint bytes/],
    ['a 7-byte id past 2^53 - 1', '06 fc 05 00 00 00 00 00 20 00 02 48 04 626f6479 12 00 00 6869', 'out-of-range', /past 2\^53/],
    ['a delete of unit ranges without the unit bit', '06 7c 05 02 01 88 04 626f6479 04 01 01', 'invalid', /unit ranges written out/],
    ['the unit bit on a delete of no ranges', '06 7c 05 02 01 88 04 626f6479 02', 'invalid', /unit ranges flagged on a delete of none/],
    ['a list of integers written with tags', '06 7c 05 00 03 50 01 6c 18 00 00 0302 0303 03d804', 'invalid', /integers written with tags/],
    ['the integers bit on a tombstone', '06 7c 05 00 03 50 01 6c 1b 00 00', 'invalid', /on a tombstone/],
    ['an origin field not back from its op', '06 7c 05 00 02 48 04 626f6479 12 01 00 6869', 'invalid', /not a dot/],
  ] as const)('refuses %s', (_what, bytes, code, why) => {
    const got = decodeRefusal(bytes)
    expect(got.startsWith(`${code}: `), got).toBe(true)
    expect(got).toMatch(why)
  })

  it('a refused v6 delta leaves the document as it was', () => {
    const doc = new Doc({ replicaId: 9 })
    doc.getText('body').insert(0, 'mine')
    const before = { json: doc.toJSON(), vv: doc.versionVector() }
    expect(() => doc.applyDelta(hex('06 3c 05 00 02 48 04 626f6479 01 12 00 00 6869'))).toThrow(WeftDecodeError)
    expect({ json: doc.toJSON(), vv: doc.versionVector() }).toEqual(before)
    doc.applyDelta(hex(TYPED))
    expect(doc.getText('body').toString()).toContain('hi')
  })
})
