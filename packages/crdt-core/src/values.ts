import { WeftDecodeError } from './errors.js'
import type { Reader, Writer } from './encoding/index.js'

/**
 * JSON values stored in maps and lists. Plain arrays and objects are opaque
 * values (replaced whole, never merged); use nested containers to merge inside.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** Nesting bound for opaque values: deeper input is rejected rather than recursed into. */
export const MAX_VALUE_DEPTH = 64

const enum Tag {
  Null = 0,
  False = 1,
  True = 2,
  Int = 3,
  Float = 4,
  String = 5,
  Array = 6,
  Object = 7,
}

/** Throws a `TypeError` that says what is wrong when `v` is not storable JSON. */
export function assertJsonValue(v: unknown, path = 'value', depth = 0): asserts v is JsonValue {
  if (depth > MAX_VALUE_DEPTH) throw new TypeError(`${path} nests deeper than ${MAX_VALUE_DEPTH} levels`)
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`${path} is ${v}: only finite numbers are JSON`)
    return
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertJsonValue(x, `${path}[${i}]`, depth + 1))
    return
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v)
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`${path} is a ${proto?.constructor?.name ?? 'class instance'}: store plain objects, or a nested container`)
    }
    for (const [k, x] of Object.entries(v)) assertJsonValue(x, `${path}.${k}`, depth + 1)
    return
  }
  throw new TypeError(`${path} is ${typeof v}: only JSON values (null, boolean, number, string, arrays, plain objects) can be stored`)
}

/** Whether `v` is a number `writeJson` writes as an integer (a zig-zag varint), not as a float. */
export function isJsonInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) <= 2 ** 52 && !Object.is(v, -0)
}

export function writeJson(w: Writer, v: JsonValue): void {
  if (v === null) w.writeUint8(Tag.Null)
  else if (v === false) w.writeUint8(Tag.False)
  else if (v === true) w.writeUint8(Tag.True)
  else if (typeof v === 'number') {
    if (isJsonInt(v)) {
      w.writeUint8(Tag.Int)
      w.writeVarInt(v)
    } else {
      w.writeUint8(Tag.Float)
      w.writeFloat64(v)
    }
  } else if (typeof v === 'string') {
    w.writeUint8(Tag.String)
    w.writeString(v)
  } else if (Array.isArray(v)) {
    w.writeUint8(Tag.Array)
    w.writeVarUint(v.length)
    for (const x of v) writeJson(w, x)
  } else {
    const keys = Object.keys(v)
    w.writeUint8(Tag.Object)
    w.writeVarUint(keys.length)
    for (const k of keys) {
      w.writeString(k)
      writeJson(w, v[k]!)
    }
  }
}

/** Reads a value, bounding depth; object keys such as `__proto__` become own properties. */
export function readJson(r: Reader, depth = 0): JsonValue {
  if (depth > MAX_VALUE_DEPTH) throw new WeftDecodeError('out-of-range', `value nests deeper than ${MAX_VALUE_DEPTH}`)
  const tag = r.readUint8()
  switch (tag) {
    case Tag.Null:
      return null
    case Tag.False:
      return false
    case Tag.True:
      return true
    case Tag.Int:
      return r.readVarInt()
    case Tag.Float: {
      const f = r.readFloat64()
      if (!Number.isFinite(f)) throw new WeftDecodeError('invalid', 'non-finite number in a value')
      return f
    }
    case Tag.String:
      return r.readString()
    case Tag.Array: {
      const n = r.readCount(1)
      const out: JsonValue[] = new Array(n)
      for (let i = 0; i < n; i++) out[i] = readJson(r, depth + 1)
      return out
    }
    case Tag.Object: {
      const n = r.readCount(2)
      const out: { [key: string]: JsonValue } = {}
      for (let i = 0; i < n; i++) {
        const k = r.readString()
        defineOwn(out, k, readJson(r, depth + 1))
      }
      return out
    }
    default:
      throw new WeftDecodeError('unknown-kind', `unknown value tag ${tag}`)
  }
}

/** Sets an own enumerable property even for keys like `__proto__`, never touching a prototype. */
export function defineOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
}

/** A deep copy, so callers mutating what they stored cannot change the document behind its back. */
export function cloneJson<T extends JsonValue>(v: T): T {
  if (v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T
  const out = {}
  for (const [k, x] of Object.entries(v)) defineOwn(out, k, cloneJson(x))
  return out as T
}
