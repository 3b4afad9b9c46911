/**
 * Fields of the strong-operation frames ([STRONG-1]), composed from the
 * shared Writer/Reader primitives; `codec.ts` frames them.
 *
 * - strong:       id, op (u8), key, then by op: owner | expected, next (JSON) | n, min, max (f64)
 * - strongResult: id, kind (u8), ok (u8: 0 absent, 1 false, 2 true), then holder (flag + string) | value (JSON) | value (f64)
 * - strongError:  id, kind (u8), code, message
 *
 * Integers travel as float64 (exact for safe integers, which every bound may
 * be); JSON values as canonical JSON text. Keys and owners are at most
 * MAX_KEY_BYTES, values MAX_VALUE_BYTES: longer ones are refused while
 * decoding, before they are read.
 */
import type { Reader, Writer } from '../encoding/index.js'
import { WeftDecodeError } from '../errors.js'
import { OUTCOME_UNKNOWN_CODES, STRONG_INPUT_ERROR_CODES, UNAVAILABLE_CODES } from '../strong/strong-errors.js'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES, canonicalJson, checkAdd, checkKey, checkOwner } from '../strong/strong-input.js'
import type { StrongValue } from '../strong/strong-values.js'
import type { StrongFailure, StrongMessage, StrongOpName, StrongRequest, StrongResult } from './messages/strong.js'

const OPS: readonly StrongOpName[] = ['claim', 'release', 'readClaim', 'compareAndSet', 'read', 'add', 'readCounter']
const RESULT_KINDS: readonly StrongResult['kind'][] = ['claim', 'register', 'counter']
const FAILURE_KINDS: readonly StrongFailure['kind'][] = ['unavailable', 'outcome-unknown', 'bad-input', 'forbidden']
/** Longest failure message carried (bytes); the rest is cut by the sender. */
const MAX_MESSAGE_BYTES = 4096

export function writeStrongRequest(w: Writer, id: number, r: StrongRequest): void {
  w.writeVarUint(id)
  w.writeUint8(OPS.indexOf(r.op) + 1)
  // Refused before anything is written: the reader would refuse the frame (a closed connection) instead.
  w.writeString(checkKey(r.key))
  switch (r.op) {
    case 'claim':
    case 'release':
      w.writeString(checkOwner(r.owner))
      return
    case 'compareAndSet':
      w.writeString(canonicalJson(r.expected))
      w.writeString(canonicalJson(r.next))
      return
    case 'add':
      checkAdd(r.n, { min: r.min, max: r.max })
      w.writeFloat64(r.n)
      w.writeFloat64(r.min)
      w.writeFloat64(r.max)
      return
    case 'readClaim':
    case 'read':
    case 'readCounter':
      return
  }
}

export function readStrongRequest(r: Reader): StrongMessage {
  const id = r.readVarUint()
  const op = OPS[r.readUint8() - 1]
  if (op === undefined) throw new WeftDecodeError('unknown-kind', 'unknown strong operation')
  const key = r.readString(MAX_KEY_BYTES)
  switch (op) {
    case 'claim':
    case 'release':
      return { type: 'strong', id, request: { op, key, owner: r.readString(MAX_KEY_BYTES) } }
    case 'compareAndSet':
      return { type: 'strong', id, request: { op, key, expected: readJson(r), next: readJson(r) } }
    case 'add':
      return { type: 'strong', id, request: { op, key, n: readInteger(r), min: readInteger(r), max: readInteger(r) } }
    case 'readClaim':
    case 'read':
    case 'readCounter':
      return { type: 'strong', id, request: { op, key } }
  }
}

export function writeStrongResult(w: Writer, id: number, result: StrongResult): void {
  w.writeVarUint(id)
  w.writeUint8(RESULT_KINDS.indexOf(result.kind) + 1)
  w.writeUint8(result.ok === undefined ? 0 : result.ok ? 2 : 1)
  switch (result.kind) {
    case 'claim':
      if (result.holder === null) w.writeUint8(0)
      else {
        w.writeUint8(1)
        w.writeString(result.holder)
      }
      return
    case 'register':
      w.writeString(canonicalJson(result.value))
      return
    case 'counter':
      w.writeFloat64(result.value)
      return
  }
}

export function readStrongResult(r: Reader): { id: number; result: StrongResult } {
  const id = r.readVarUint()
  const kind = RESULT_KINDS[r.readUint8() - 1]
  if (kind === undefined) throw new WeftDecodeError('unknown-kind', 'unknown strong result kind')
  const okByte = r.readUint8()
  if (okByte > 2) throw new WeftDecodeError('invalid', `strong result ok flag ${okByte}`)
  const ok = okByte === 0 ? {} : { ok: okByte === 2 }
  switch (kind) {
    case 'claim': {
      const flag = r.readUint8()
      if (flag > 1) throw new WeftDecodeError('invalid', `holder flag ${flag}`)
      return { id, result: { kind, ...ok, holder: flag === 0 ? null : r.readString(MAX_KEY_BYTES) } }
    }
    case 'register':
      return { id, result: { kind, ...ok, value: readJson(r) } }
    case 'counter':
      return { id, result: { kind, ...ok, value: readInteger(r) } }
  }
}

export function writeStrongFailure(w: Writer, id: number, f: StrongFailure): void {
  w.writeVarUint(id)
  w.writeUint8(FAILURE_KINDS.indexOf(f.kind) + 1)
  w.writeString(f.code)
  w.writeString(truncate(f.message))
}

export function readStrongFailure(r: Reader): { id: number; failure: StrongFailure } {
  const id = r.readVarUint()
  const kind = FAILURE_KINDS[r.readUint8() - 1]
  if (kind === undefined) throw new WeftDecodeError('unknown-kind', 'unknown strong failure kind')
  const code = r.readString(64)
  const message = r.readString(MAX_MESSAGE_BYTES)
  const known = (codes: readonly string[]): void => {
    if (!codes.includes(code)) throw new WeftDecodeError('unknown-kind', `unknown ${kind} code ${JSON.stringify(code)}`)
  }
  switch (kind) {
    case 'unavailable':
      known(UNAVAILABLE_CODES)
      break
    case 'outcome-unknown':
      known(OUTCOME_UNKNOWN_CODES)
      break
    case 'bad-input':
      known(STRONG_INPUT_ERROR_CODES)
      break
    case 'forbidden':
      known(['forbidden'])
      break
  }
  return { id, failure: { kind, code, message } as StrongFailure }
}

function readJson(r: Reader): StrongValue {
  const text = r.readString(MAX_VALUE_BYTES)
  try {
    return JSON.parse(text) as StrongValue
  } catch {
    throw new WeftDecodeError('invalid', 'strong value is not JSON')
  }
}

function readInteger(r: Reader): number {
  const n = r.readFloat64()
  if (!Number.isSafeInteger(n)) throw new WeftDecodeError('invalid', 'strong amount is not a safe integer')
  return n
}

function truncate(message: string): string {
  const bytes = new TextEncoder().encode(message)
  if (bytes.length <= MAX_MESSAGE_BYTES) return message
  return new TextDecoder().decode(bytes.subarray(0, MAX_MESSAGE_BYTES - 3)).replace(/\uFFFD$/, '')
}
