import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { WeftDecodeError } from '../errors.js'
import { decodeRefusal, hex } from '../test-support/decode-refusal.js'
import { decodeDelta } from './codec.js'

/**
 * [FMT-1] v5 leaves out what the reader infers; each rule that lets it do so
 * is also a rule the reader enforces. Each case below changes a valid v5
 * delta (from golden.test.ts's vectors) in one place and must be refused
 * with the code given; the valid one beside it must decode.
 */

/** Typing 'hi' into root text 'body' as replica 5: flags NO_DEPS | ONE_RANGE | ONE_CONTAINER, the insert's dot left out. */
const TYPED = '05 1c 01 05 01 00 02 48 04 626f6479 01 12 00 00 6869'
/** Setting key 'a' of root map 'm' to 2, its dot left out. */
const MAP_SET = '05 1c 01 05 01 05 01 18 01 6d 01 01 61 06 03 04'
/** Pushing the number 1 onto root list 'l': id byte 0x50 (inserts, list << 3), opening 1 * 8. */
const LIST_PUSH = '05 1c 01 05 01 00 01 50 01 6c 01 08 00 00 03 02'

describe('[FMT-1] delta format 5: what the reader infers it also checks', () => {
  it('the controls decode to the ops they stand for', () => {
    const typed = decodeDelta(hex(TYPED))
    expect(typed.ranges).toEqual([{ replica: 5, from: 0, to: 2 }])
    expect(typed.containers[0]!.inserts[0]).toMatchObject({ replica: 5, counter: 1, len: 2, content: 'hi', deleted: false })
    const set = decodeDelta(hex(MAP_SET))
    expect(set.containers[0]!.entries[0]).toMatchObject({ key: 'a', replica: 5, counter: 6, lamport: 3, value: { type: 'json', value: 2 } })
    expect(decodeDelta(hex(LIST_PUSH)).containers[0]!.inserts[0]).toMatchObject({ replica: 5, counter: 1, len: 1, content: [1] })
  })

  it.each([
    ['a dependency count of 0 written where NO_DEPS would say it', '05 18 01 05 00 01 00 02 48 04 626f6479 01 12 00 00 6869', 'invalid'],
    ['a range count of 1 written where ONE_RANGE would say it', '05 14 01 05 01 01 00 02 48 04 626f6479 01 12 00 00 6869', 'invalid'],
    ['a container count of 1 written where ONE_CONTAINER would say it', '05 0c 01 05 01 00 02 01 48 04 626f6479 01 12 00 00 6869', 'invalid'],
    ['v5 header flags on a v4 delta', '04 1c 01 05 01 00 02 48 04 626f6479 01 12 00 00 6869', 'invalid'],
    ['an insert section announced but empty', '05 1c 01 05 01 00 02 48 04 626f6479 00', 'invalid'],
    ['a dot left out in a delta with two ranges', '05 14 02 05 06 02 01 00 02 02 00 01 48 04 626f6479 01 12 00 00 6869', 'invalid'],
    ['a left-out dot whose insert runs past the range', '05 1c 01 05 01 00 01 48 04 626f6479 01 12 00 00 6869', 'invalid'],
    ['the ASCII flag on a tombstone', '05 1c 01 05 01 00 02 48 04 626f6479 01 13 00 00', 'invalid'],
    ['the ASCII flag on a list insert', '05 1c 01 05 01 00 01 50 01 6c 01 0a 00 00 03 02', 'invalid'],
    ['a byte past 0x7f in ASCII text', '05 1c 01 05 01 00 02 48 04 626f6479 01 12 00 00 e969', 'invalid'],
    ['ASCII text shorter than its length', '05 1c 01 05 01 00 02 48 04 626f6479 01 12 00 00 68', 'truncated'],
    ['sequence sections on a map', '05 1c 01 05 01 05 01 58 01 6d 01 01 61 06 03 04', 'invalid'],
    ['an unknown value tag', '05 1c 01 05 01 05 01 18 01 6d 01 01 61 06 28', 'unknown-kind'],
    ['a container tag with no kind', '05 1c 01 05 01 05 01 18 01 6d 01 01 61 06 10', 'unknown-kind'],
  ])('refuses %s', (_what, bytes, code) => {
    expect(decodeRefusal(bytes).split(':')[0]).toBe(code)
  })

  it('a refused v5 delta leaves the document as it was', () => {
    const doc = new Doc({ replicaId: 9 })
    doc.getText('body').insert(0, 'mine')
    const before = { json: doc.toJSON(), vv: doc.versionVector() }
    expect(() => doc.applyDelta(hex('05 1c 01 05 01 00 01 48 04 626f6479 01 12 00 00 6869'))).toThrow(WeftDecodeError)
    expect({ json: doc.toJSON(), vv: doc.versionVector() }).toEqual(before)
    doc.applyDelta(hex(TYPED))
    expect(doc.getText('body').toString()).toContain('hi')
  })
})
