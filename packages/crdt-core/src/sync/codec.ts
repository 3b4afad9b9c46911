import { Reader, Writer } from '../encoding/index.js'
import { WeftDecodeError } from '../errors.js'
import { readVersionVector, writeVersionVector } from '../version-vector.js'
import type { JsonValue } from '../values.js'
import type { ProtocolMessage } from './messages/index.js'
import { PROTOCOL_VERSION } from './protocol-version.js'
import { isSyncErrorCode } from './sync-error.js'
import { MIN_PART_FRAME_BYTES } from './frame-parts.js'
import { readStrongFailure, readStrongRequest, readStrongResult, writeStrongFailure, writeStrongRequest, writeStrongResult } from './strong-codec.js'
import { type WireTables, readCompactDelta, readDocRef, writeCompactDelta, writeDocRef } from './wire-tables.js'

/**
 * The one codec of the sync protocol ([FRAME-1]..[FRAME-5], [WIRE-1]..[WIRE-3]).
 *
 * Frame layout: `[protocol version: u8][message tag: u8][fields...]`, fields
 * built from the shared Writer/Reader primitives. Decoding validates the whole
 * frame (including trailing bytes) before it returns; every failure is a
 * `WeftDecodeError`. Given the connection's `WireTables` a frame is written
 * in protocol 2 (doc ids and a delta's replica ids by reference); without,
 * in protocol 1. A peer reads both.
 */

/** Wire tags; frozen per protocol version. */
const TAG = {
  hello: 1,
  welcome: 2,
  ping: 3,
  pong: 4,
  error: 5,
  subscribe: 16,
  unsubscribe: 17,
  sync: 18,
  delta: 19,
  ack: 20,
  digest: 21,
  heal: 22,
  presence: 32,
  strong: 48,
  strongResult: 49,
  strongError: 50,
} as const satisfies Record<ProtocolMessage['type'], number>

/** Longest doc id, in UTF-16 code units ([FRAME-4]). */
export const MAX_DOC_ID_LENGTH = 512
/** Longest digest hash string (hex). */
const MAX_HASH_LENGTH = 128
const HEX = /^[0-9a-f]*$/

/** Encodes one message as a frame. Throws `RangeError` for a message that no frame can carry (e.g. a bad doc id). */
export function encodeMessage(m: ProtocolMessage, wire?: WireTables): Uint8Array {
  const w = new Writer(32)
  w.writeUint8(wire === undefined ? 1 : PROTOCOL_VERSION)
  w.writeUint8(TAG[m.type])
  const writeDoc = (doc: string) => (wire === undefined ? w.writeString(checkDoc(doc)) : writeDocRef(w, wire, checkDoc(doc)))
  switch (m.type) {
    case 'hello':
      w.writeString(m.token)
      w.writeString(m.clientName)
      break
    case 'welcome':
      if (m.peerId === 0) throw new RangeError('welcome peer id must be non-zero')
      w.writeVarUint(checkUint(m.peerId))
      // [PART-1] optional trailing limits: a welcome without them is the version-1 frame unchanged.
      if (m.limits) {
        w.writeVarUint(checkUint(m.limits.maxFrameBytes))
        w.writeVarUint(checkUint(m.limits.maxMessageBytes))
      }
      break
    case 'ping':
    case 'pong':
      break
    case 'error':
      w.writeString(m.code)
      w.writeString(m.message)
      w.writeString(m.doc === undefined ? '' : checkDoc(m.doc))
      break
    case 'subscribe':
      writeDoc(m.doc)
      writeVersionVector(w, m.vv)
      break
    case 'unsubscribe':
      writeDoc(m.doc)
      break
    case 'sync':
      writeDoc(m.doc)
      writeVersionVector(w, m.vv)
      w.writeBytes(m.delta)
      break
    case 'delta':
      writeDoc(m.doc)
      w.writeVarUint(checkUint(m.seq))
      if (wire === undefined) w.writeBytes(m.delta)
      else writeCompactDelta(w, wire, m.delta)
      break
    case 'ack':
      writeDoc(m.doc)
      w.writeVarUint(checkUint(m.clientSeq))
      w.writeVarUint(checkUint(m.serverSeq))
      break
    case 'digest':
      writeDoc(m.doc)
      writeVersionVector(w, m.vv)
      w.writeString(checkHash(m.hash))
      break
    case 'heal':
      writeDoc(m.doc)
      w.writeBytes(m.state)
      break
    case 'presence':
      writeDoc(m.doc)
      w.writeVarUint(checkUint(m.peerId))
      if (m.state === null) w.writeUint8(0)
      else {
        w.writeUint8(1)
        w.writeString(JSON.stringify(m.state))
      }
      break
    case 'strong':
      writeStrongRequest(w, checkUint(m.id), m.request)
      break
    case 'strongResult':
      writeStrongResult(w, checkUint(m.id), m.result)
      break
    case 'strongError':
      writeStrongFailure(w, checkUint(m.id), m.failure)
      break
  }
  return w.finish()
}

/** The protocol version byte of a frame, without decoding the rest (undefined for an empty frame). */
export function peekFrameVersion(frame: Uint8Array): number | undefined {
  return frame[0]
}

/**
 * Decodes and validates one frame: protocol 1, or protocol 2 with the
 * connection's `wire` tables for what it receives. Throws `WeftDecodeError`
 * (`bad-version` for another protocol version, `unknown-kind` for an unknown
 * tag, ...) and never anything else.
 */
export function decodeMessage(frame: Uint8Array, wire?: WireTables): ProtocolMessage {
  const r = new Reader(frame)
  const version = r.readUint8()
  if (version !== 1 && (version !== PROTOCOL_VERSION || wire === undefined)) {
    const speaks = wire === undefined ? '1 on this connection' : `1 and ${PROTOCOL_VERSION}`
    throw new WeftDecodeError('bad-version', `protocol version ${version}, this peer speaks ${speaks}`)
  }
  const m = readBody(r, r.readUint8(), version === 1 ? undefined : wire)
  r.end()
  return m
}

function readBody(r: Reader, tag: number, wire: WireTables | undefined): ProtocolMessage {
  const readDoc = () => validDoc(wire === undefined ? r.readString() : readDocRef(r, wire))
  switch (tag) {
    case TAG.hello:
      return { type: 'hello', token: r.readString(), clientName: r.readString() }
    case TAG.welcome: {
      const peerId = r.readVarUint()
      if (peerId === 0) throw new WeftDecodeError('invalid', 'welcome with peer id 0')
      if (r.done) return { type: 'welcome', peerId }
      const maxFrameBytes = r.readVarUint()
      const maxMessageBytes = r.readVarUint()
      if (maxFrameBytes < MIN_PART_FRAME_BYTES || maxMessageBytes < maxFrameBytes) throw new WeftDecodeError('invalid', 'welcome with unusable frame limits')
      return { type: 'welcome', peerId, limits: { maxFrameBytes, maxMessageBytes } }
    }
    case TAG.ping:
      return { type: 'ping' }
    case TAG.pong:
      return { type: 'pong' }
    case TAG.error: {
      const code = r.readString()
      if (!isSyncErrorCode(code)) throw new WeftDecodeError('unknown-kind', `unknown error code ${JSON.stringify(code.slice(0, 40))}`)
      const message = r.readString()
      const doc = r.readString()
      if (doc === '') return { type: 'error', code, message }
      return { type: 'error', code, message, doc: validDoc(doc) }
    }
    case TAG.subscribe:
      return { type: 'subscribe', doc: readDoc(), vv: readVersionVector(r) }
    case TAG.unsubscribe:
      return { type: 'unsubscribe', doc: readDoc() }
    case TAG.sync:
      return { type: 'sync', doc: readDoc(), vv: readVersionVector(r), delta: r.readBytes() }
    case TAG.delta: {
      const doc = readDoc()
      const seq = r.readVarUint()
      return { type: 'delta', doc, seq, delta: wire === undefined ? r.readBytes() : readCompactDelta(r, wire) }
    }
    case TAG.ack:
      return { type: 'ack', doc: readDoc(), clientSeq: r.readVarUint(), serverSeq: r.readVarUint() }
    case TAG.digest: {
      const doc = readDoc()
      const vv = readVersionVector(r)
      const hash = r.readString()
      if (hash.length > MAX_HASH_LENGTH || !HEX.test(hash)) throw new WeftDecodeError('invalid', 'digest hash is not short lowercase hex')
      return { type: 'digest', doc, vv, hash }
    }
    case TAG.heal: {
      const doc = readDoc()
      const state = r.readBytes()
      if (state.length === 0) throw new WeftDecodeError('invalid', 'heal with an empty state')
      return { type: 'heal', doc, state }
    }
    case TAG.presence: {
      const doc = readDoc()
      const peerId = r.readVarUint()
      const flag = r.readUint8()
      if (flag === 0) return { type: 'presence', doc, peerId, state: null }
      if (flag !== 1) throw new WeftDecodeError('invalid', `presence flag ${flag}`)
      return { type: 'presence', doc, peerId, state: parseJson(r.readString()) }
    }
    case TAG.strong:
      return readStrongRequest(r)
    case TAG.strongResult:
      return { type: 'strongResult', ...readStrongResult(r) }
    case TAG.strongError:
      return { type: 'strongError', ...readStrongFailure(r) }
    default:
      throw new WeftDecodeError('unknown-kind', `unknown message tag ${tag}`)
  }
}

function validDoc(doc: string): string {
  if (doc.length === 0 || doc.length > MAX_DOC_ID_LENGTH) {
    throw new WeftDecodeError('invalid', `doc id length ${doc.length} outside 1..${MAX_DOC_ID_LENGTH}`)
  }
  return doc
}

function parseJson(text: string): JsonValue {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw new WeftDecodeError('invalid', 'presence state is not JSON')
  }
  // null is reserved for "left" ([PRES-1]); it travels as flag 0.
  if (v === null) throw new WeftDecodeError('invalid', 'presence state null must use the "left" flag')
  return v as JsonValue
}

function checkDoc(doc: string): string {
  if (doc.length === 0 || doc.length > MAX_DOC_ID_LENGTH) {
    throw new RangeError(`doc id length ${doc.length} outside 1..${MAX_DOC_ID_LENGTH}`)
  }
  return doc
}

function checkUint(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${n} is not a non-negative safe integer`)
  return n
}

function checkHash(h: string): string {
  if (h.length > MAX_HASH_LENGTH || !HEX.test(h)) throw new RangeError('digest hash must be short lowercase hex')
  return h
}
