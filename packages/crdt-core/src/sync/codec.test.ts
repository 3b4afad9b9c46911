import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { WeftDecodeError } from '../errors.js'
import { OUTCOME_UNKNOWN_CODES, STRONG_INPUT_ERROR_CODES, UNAVAILABLE_CODES, WeftStrongInputError, isWeftStrongInputError } from '../strong/strong-errors.js'
import { SAMPLE_MESSAGES } from './codec-samples.test-util.js'
import { decodeMessage, encodeMessage, peekFrameVersion } from './codec.js'
import type { ProtocolMessage } from './messages/index.js'
import { PROTOCOL_VERSION } from './protocol-version.js'
import { WireTables } from './wire-tables.js'
import { strongInputProblem } from './strong-checks.js'
import { SYNC_ERROR_CODES } from './sync-error.js'
import type { JsonValue } from '../values.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))

/** Frozen for protocol version 1: a change here is a protocol change (bump PROTOCOL_VERSION). */
const GOLDEN: readonly string[] = [
  '010103746f6b03776562',
  '010207',
  '0103',
  '0104',
  '010509726561642d6f6e6c79026e6f0164',
  '0105096261642d6672616d650362616400',
  '0110066e6f74653a31020503ac0201',
  '0111066e6f74653a31',
  '0112016401010203010203',
  '011201640000',
  '011301648201020908',
  '0114016404c801',
  '011501640102010461623031',
  '011601640101',
  '012001640001197b22637572736f72223a332c226e616d65223a22416e6e227d',
  '012001640900',
  '01300101042f6e2f6103616e6e',
  '01300204016b046e756c6c127b2261223a5b747275655d2c2262223a317d',
  '0130ac0206057365617473000000000000f0bf00000000000000000000000000002440',
  '01300407057365617473',
  '01310101010103626f62',
  '013105010000',
  '0131020202127b2261223a5b747275655d2c2262223a317d',
  '0131ac0203020000000000002240',
  '01320101096e6f2d71756f72756d096e6f206c6561646572',
]

describe('codec', () => {
  it('[FRAME-1] golden vectors: every message type encodes to frozen bytes and back', () => {
    expect(SAMPLE_MESSAGES.length).toBe(GOLDEN.length)
    const types = new Set(SAMPLE_MESSAGES.map((m) => m.type))
    expect(types.size).toBe(16)
    SAMPLE_MESSAGES.forEach((m, i) => {
      expect(hex(encodeMessage(m))).toBe(GOLDEN[i])
      expect(decodeMessage(unhex(GOLDEN[i]!))).toEqual(m)
    })
  })

  it('[FRAME-1] [WIRE-1] the protocol version is the first byte of every frame: 1 without connection tables, 2 with', () => {
    const wire = new WireTables()
    for (const m of SAMPLE_MESSAGES) {
      expect(peekFrameVersion(encodeMessage(m))).toBe(1)
      // The sample delta's bytes are not a delta, which protocol 2 reads to name its replicas.
      if (m.type === 'delta') expect(() => encodeMessage(m, wire)).toThrow(RangeError)
      else expect(peekFrameVersion(encodeMessage(m, wire))).toBe(PROTOCOL_VERSION)
    }
  })

  it('[FRAME-2] another protocol version is refused as bad-version before anything else is read', () => {
    const f = encodeMessage({ type: 'ping' })
    f[0] = PROTOCOL_VERSION + 1
    expect(() => decodeMessage(f)).toThrow(expect.objectContaining({ code: 'bad-version' }))
    expect(() => decodeMessage(f, new WireTables())).toThrow(expect.objectContaining({ code: 'bad-version' }))
    // A protocol-2 frame on a connection that did not say hello in protocol 2.
    expect(() => decodeMessage(encodeMessage({ type: 'ping' }, new WireTables()))).toThrow(expect.objectContaining({ code: 'bad-version' }))
  })

  it('[FRAME-3] unknown tags, trailing bytes, truncation and bad fields are WeftDecodeErrors', () => {
    const bad: [string, string][] = [
      ['0163', 'unknown-kind'],
      ['010300', 'trailing-bytes'],
      ['011401', 'truncated'],
      ['0111', 'truncated'],
      ['011100', 'invalid'], // empty doc id
      ['010200', 'invalid'], // welcome peer 0
      ['012001640002', 'invalid'], // presence flag 2
      ['0120016400010568656c6c', 'truncated'],
      [`01200164000104${hex(new TextEncoder().encode('{{{{'))}`, 'invalid'], // not JSON
      [`01200164000104${hex(new TextEncoder().encode('null'))}`, 'invalid'],
      ['0105037a7a7a0000', 'unknown-kind'], // unknown error code
      ['011501640002414243', 'invalid'], // hash not lowercase hex... (vv {} then 'ABC')
      ['0116016400', 'invalid'], // empty heal state
      ['01300109016b', 'unknown-kind'], // [STRONG-1] strong op 9
      ['01300106016b000000000000f83f00000000000000000000000000002440', 'invalid'], // add of 1.5
      ['0130010401 6b04 7b7b7b7b 046e756c6c'.replace(/ /g, ''), 'invalid'], // CAS expected not JSON
      ['01320101037a7a7a00', 'unknown-kind'], // unknown unavailable code
      ['0131010103', 'invalid'], // ok flag 3
    ]
    for (const [frame, code] of bad) {
      let err: unknown
      try {
        decodeMessage(unhex(frame))
      } catch (e) {
        err = e
      }
      expect(err, frame).toBeInstanceOf(WeftDecodeError)
      expect((err as WeftDecodeError).code, frame).toBe(code)
    }
  })

  it('[FRAME-4] encoding refuses messages no frame may carry', () => {
    expect(() => encodeMessage({ type: 'unsubscribe', doc: '' })).toThrow(RangeError)
    expect(() => encodeMessage({ type: 'unsubscribe', doc: 'x'.repeat(513) })).toThrow(RangeError)
    expect(() => encodeMessage({ type: 'ack', doc: 'd', clientSeq: -1, serverSeq: 0 })).toThrow(RangeError)
    expect(() => encodeMessage({ type: 'digest', doc: 'd', vv: {}, hash: 'XYZ' })).toThrow(RangeError)
  })

  it('[STRONG-1] encoding a strong request refuses bad arguments with WeftStrongInputError before writing', () => {
    const code = (m: ProtocolMessage) => {
      try {
        encodeMessage(m)
      } catch (e) {
        return isWeftStrongInputError(e) ? e.code : 'other'
      }
      return 'none'
    }
    expect(code({ type: 'strong', id: 1, request: { op: 'claim', key: '', owner: 'a' } })).toBe('bad-key')
    expect(code({ type: 'strong', id: 1, request: { op: 'claim', key: 'k', owner: 'x'.repeat(513) } })).toBe('bad-owner')
    expect(code({ type: 'strong', id: 1, request: { op: 'add', key: 'k', n: 1, min: 5, max: 1 } })).toBe('bad-number')
    expect(code({ type: 'strong', id: 1, request: { op: 'compareAndSet', key: 'k', expected: null, next: Number.NaN } })).toBe('bad-value')
    // Safe-integer extremes (the default bounds) survive the wire exactly.
    const add = { type: 'strong', id: 7, request: { op: 'add', key: 'k', n: 3, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER } } as const
    expect(decodeMessage(encodeMessage(add))).toEqual(add)
  })

  it('[FRAME-5] seeded random messages round-trip', () => {
    fc.assert(
      fc.property(arbMessage, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m)
      }),
      { numRuns: 2000 },
    )
  })

  it('[STRONG-4] a strong add with min over max decodes (the server answers it bad-input), and the encoder refuses to write one', () => {
    // Found by the fuzz below (seed 1899326009): a mutated `add` frame with min 131072 and max 10.
    const frame = Uint8Array.from([1, 48, 172, 2, 6, 5, 115, 101, 97, 116, 115, 0, 0, 0, 0, 0, 0, 240, 191, 0, 0, 0, 0, 0, 0, 0, 65, 0, 0, 0, 0, 0, 0, 36, 64])
    const m = decodeMessage(frame)
    expect(m).toMatchObject({ type: 'strong', request: { op: 'add', min: 131072, max: 10 } })
    if (m.type !== 'strong') throw new Error('not a strong request')
    expect(strongInputProblem(m.request)?.code).toBe('bad-number')
    expect(() => encodeMessage(m)).toThrow(WeftStrongInputError)
  })

  it('[FRAME-3] fuzz: random and mutated frames decode or throw WeftDecodeError, never anything else', () => {
    const seeds = SAMPLE_MESSAGES.map((m) => encodeMessage(m))
    const mutated = fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 6 }),
      )
      .map(([base, edits]) => {
        const b = [...base]
        for (const [pos, byte, op] of edits) {
          const i = b.length === 0 ? 0 : pos % b.length
          if (op === 0) b[i] = byte
          else if (op === 1) b.splice(i, 0, byte)
          else b.splice(i, 1)
        }
        return new Uint8Array(b)
      })
    const random = fc.uint8Array({ maxLength: 64 }).map((b) => {
      if (b.length > 0) b[0] = PROTOCOL_VERSION
      return b
    })
    fc.assert(
      fc.property(fc.oneof(mutated, random), (frame) => {
        let m: ProtocolMessage
        try {
          m = decodeMessage(frame)
        } catch (e) {
          if (!(e instanceof WeftDecodeError)) throw e
          return
        }
        // A strong request whose arguments break its op's rules decodes on purpose, so that the server
        // answers it bad-input ([STRONG-4]) and keeps the connection; the encoder refuses to write one.
        if (m.type === 'strong' && strongInputProblem(m.request) !== undefined) {
          expect(() => encodeMessage(m)).toThrow(WeftStrongInputError)
          return
        }
        // Whatever else decodes re-encodes to something that decodes to the same message.
        expect(decodeMessage(encodeMessage(m))).toEqual(m)
      }),
      { numRuns: 20_000 },
    )
  })
})

const doc = fc.string({ minLength: 1, maxLength: 40 })
const vv = fc
  .array(fc.tuple(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 2 ** 40 })), { maxLength: 5 })
  .map((es) => Object.fromEntries(es) as Record<number, number>)
const bytes = fc.uint8Array({ maxLength: 50 })
const uint = fc.maxSafeNat()
const json = fc
  .jsonValue()
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
  .filter((v) => v !== null) as fc.Arbitrary<NonNullable<JsonValue>>

const strongKey = fc.string({ minLength: 1, maxLength: 40 })
const safeInt = fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })
const arbMessage: fc.Arbitrary<ProtocolMessage> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), token: fc.string(), clientName: fc.string() }),
  fc.record({ type: fc.constant('welcome' as const), peerId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }),
  fc.constant({ type: 'ping' as const }),
  fc.constant({ type: 'pong' as const }),
  fc.record({ type: fc.constant('error' as const), code: fc.constantFrom(...SYNC_ERROR_CODES), message: fc.string() }),
  fc.record({ type: fc.constant('error' as const), code: fc.constantFrom(...SYNC_ERROR_CODES), message: fc.string(), doc }),
  fc.record({ type: fc.constant('subscribe' as const), doc, vv }),
  fc.record({ type: fc.constant('unsubscribe' as const), doc }),
  fc.record({ type: fc.constant('sync' as const), doc, vv, delta: bytes }),
  fc.record({ type: fc.constant('delta' as const), doc, seq: uint, delta: bytes }),
  fc.record({ type: fc.constant('ack' as const), doc, clientSeq: uint, serverSeq: uint }),
  fc.record({ type: fc.constant('digest' as const), doc, vv, hash: fc.stringMatching(/^[0-9a-f]{0,64}$/) }),
  fc.record({ type: fc.constant('heal' as const), doc, state: fc.uint8Array({ minLength: 1, maxLength: 50 }) }),
  fc.record({ type: fc.constant('presence' as const), doc, peerId: uint, state: fc.oneof(fc.constant(null), json) }),
  fc.record({
    type: fc.constant('strong' as const),
    id: uint,
    request: fc.oneof(
      fc.record({ op: fc.constantFrom('claim' as const, 'release' as const), key: strongKey, owner: strongKey }),
      fc.record({ op: fc.constantFrom('readClaim' as const, 'read' as const, 'readCounter' as const), key: strongKey }),
      fc.record({ op: fc.constant('compareAndSet' as const), key: strongKey, expected: json, next: json }),
      fc.tuple(strongKey, safeInt, safeInt, safeInt).map(([key, n, a, b]) => ({ op: 'add' as const, key, n, min: Math.min(a, b), max: Math.max(a, b) })),
    ),
  }),
  fc.record({
    type: fc.constant('strongResult' as const),
    id: uint,
    result: fc.oneof(
      fc.record(
        { kind: fc.constant('claim' as const), ok: fc.boolean(), holder: fc.oneof(fc.constant(null), strongKey) },
        { requiredKeys: ['kind', 'holder'] },
      ),
      fc.record({ kind: fc.constant('register' as const), ok: fc.boolean(), value: json }, { requiredKeys: ['kind', 'value'] }),
      fc.record({ kind: fc.constant('counter' as const), ok: fc.boolean(), value: safeInt }, { requiredKeys: ['kind', 'value'] }),
    ),
  }),
  fc.record({
    type: fc.constant('strongError' as const),
    id: uint,
    failure: fc.oneof(
      fc.record({ kind: fc.constant('unavailable' as const), code: fc.constantFrom(...UNAVAILABLE_CODES), message: fc.string() }),
      fc.record({ kind: fc.constant('outcome-unknown' as const), code: fc.constantFrom(...OUTCOME_UNKNOWN_CODES), message: fc.string() }),
      fc.record({ kind: fc.constant('bad-input' as const), code: fc.constantFrom(...STRONG_INPUT_ERROR_CODES), message: fc.string() }),
    ),
  }),
) as fc.Arbitrary<ProtocolMessage>
