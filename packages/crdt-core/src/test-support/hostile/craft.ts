import { Writer } from '../../encoding/index.js'
import { deflateRaw } from '../../delta/compression.js'
import { encodeDelta } from '../../delta/codec.js'
import { NO_DEPS } from '../../delta/types.js'

/**
 * Hand-written delta bytes (format v1, see delta/codec.ts) for tests that
 * feed decoders what no honest encoder writes. Kind codes: text 1, list 2,
 * map 3, counter 4; value tags: json 0, container 1, deleted 2.
 */
export const KIND = { text: 1, list: 2, map: 3, counter: 4 } as const

/** Header: version, flags, a one-replica table, no deps, one range (0, to] for replica `replica`. */
export function header(w: Writer, opts: { state?: boolean; replica?: number; to: number }): void {
  w.writeUint8(1)
  w.writeUint8(opts.state ? 1 : 0)
  w.writeVarUint(1)
  w.writeVarUint(opts.replica ?? 7)
  w.writeVarUint(0)
  w.writeVarUint(1)
  w.writeVarUint(1)
  w.writeVarUint(0)
  w.writeVarUint(opts.to)
}

/** A root map's id (kind, tag 0, name). */
export function rootMapId(w: Writer, name: string): void {
  w.writeUint8(KIND.map)
  w.writeUint8(0)
  w.writeString(name)
}

/** A nested container's id (kind, tag 1, replica ref 1, counter). */
export function nestedId(w: Writer, kind: number, counter: number): void {
  w.writeUint8(kind)
  w.writeUint8(1)
  w.writeVarUint(1)
  w.writeVarUint(counter)
}

/** One map entry at dot (replica ref 1, counter) whose value is a new nested container of `kind`. */
export function containerEntry(w: Writer, key: string, counter: number, kind: number): void {
  w.writeString(key)
  w.writeVarUint(1)
  w.writeVarUint(counter)
  w.writeVarUint(counter)
  w.writeUint8(1)
  w.writeUint8(kind)
}

/**
 * A chain of `depth` maps, each holding the next under key 'k': the root map
 * `root` holds map (r, 1), which holds map (r, 2), ... Containers are listed
 * root first. One dot per nested map.
 */
export function nestedMapsDelta(depth: number, opts: { state?: boolean } = {}): Uint8Array {
  const w = new Writer(16 * depth + 64)
  header(w, { state: opts.state ?? false, to: depth })
  w.writeVarUint(depth + 1)
  rootMapId(w, 'root')
  w.writeVarUint(1)
  containerEntry(w, 'k', 1, KIND.map)
  for (let i = 1; i <= depth; i++) {
    nestedId(w, KIND.map, i)
    if (i === depth) {
      w.writeVarUint(0)
      continue
    }
    w.writeVarUint(1)
    containerEntry(w, 'k', i + 1, KIND.map)
  }
  return w.finish()
}

/** `n` empty nested containers (counters 1..n) and nothing else: the quadratic-check input. */
export function manyEmptyContainersDelta(n: number): Uint8Array {
  const w = new Writer(8 * n + 64)
  header(w, { to: n })
  w.writeVarUint(n)
  for (let i = 1; i <= n; i++) {
    nestedId(w, KIND.counter, i)
    w.writeVarUint(0)
  }
  return w.finish()
}

/** A root map with one JSON-null entry under `key`. */
export function mapKeyDelta(key: string): Uint8Array {
  const w = new Writer(key.length * 3 + 64)
  header(w, { to: 1 })
  w.writeVarUint(1)
  rootMapId(w, 'm')
  w.writeVarUint(1)
  w.writeString(key)
  w.writeVarUint(1)
  w.writeVarUint(1)
  w.writeVarUint(1)
  w.writeUint8(0)
  w.writeUint8(0)
  return w.finish()
}

/** Marks `raw` (a state's bytes, flags with bit 0 set) deflated, claiming `claim` raw bytes (default: the truth). */
export function deflatedState(raw: Uint8Array, claim?: number): Uint8Array {
  const body = raw.subarray(2)
  const packed = deflateRaw(body)
  const w = new Writer(packed.length + 16)
  w.writeUint8(raw[0]!)
  w.writeUint8(raw[1]! | 2)
  w.writeVarUint(claim ?? body.length)
  w.writeRaw(packed)
  return w.finish()
}

/**
 * A deflated state whose first map key is `keyBytes` bytes of 'a' (written
 * through DEFLATE, so a few hundred KB on the wire). The bytes after the key
 * are never reached by a decoder that refuses the key.
 */
export function hugeKeyDeflatedState(keyBytes: number): Uint8Array {
  const w = new Writer(keyBytes + 64)
  header(w, { state: true, to: 1 })
  w.writeVarUint(1)
  rootMapId(w, 'm')
  w.writeVarUint(1)
  w.writeVarUint(keyBytes)
  const prefix = w.finish()
  const raw = new Uint8Array(prefix.length + keyBytes + 5)
  raw.set(prefix)
  raw.fill(0x61, prefix.length, prefix.length + keyBytes)
  raw.set([1, 1, 1, 0, 0], prefix.length + keyBytes)
  return deflatedState(raw)
}

/**
 * Raw DEFLATE of `n` zero bytes, written directly (one fixed-Huffman block:
 * a literal 0, then copies of 258 bytes at distance 1, 13 bits each), so a
 * test gets a bomb of any size in milliseconds instead of deflating it.
 */
export function deflatedZeros(n: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(((n / 258) * 13 + 300 * 8) / 8) + 16)
  let pos = 0
  let acc = 0
  let bits = 0
  const put = (value: number, count: number): void => {
    acc |= value << bits
    bits += count
    while (bits >= 8) {
      out[pos++] = acc & 0xff
      acc >>>= 8
      bits -= 8
    }
  }
  // Huffman codes go most significant bit first.
  const code = (value: number, count: number): void => {
    let r = 0
    for (let i = 0; i < count; i++) r |= ((value >> i) & 1) << (count - 1 - i)
    put(r, count)
  }
  put(1, 1) // BFINAL
  put(1, 2) // BTYPE 01: fixed Huffman
  let left = n
  const literal = (): void => {
    code(0x30, 8)
    left--
  }
  if (left > 0) literal()
  while (left >= 258) {
    code(0xc5, 8) // length 258
    code(0, 5) // distance 1
    left -= 258
  }
  while (left > 0) literal()
  code(0, 7) // end of block
  if (bits > 0) put(0, 8 - bits)
  return out.subarray(0, pos)
}

/** A deflated state of `rawBytes` zero bytes after the header, claiming `claim` bytes (default: the truth). */
export function zeroBomb(rawBytes: number, claim = rawBytes): Uint8Array {
  const packed = deflatedZeros(rawBytes)
  const w = new Writer(packed.length + 16)
  w.writeUint8(1)
  w.writeUint8(1 | 2)
  w.writeVarUint(claim)
  w.writeRaw(packed)
  return w.finish()
}

/**
 * Issue 15 item 8: a delta claiming dots `(from, to]` of `replica` (someone
 * else's, read from a sync reply) with one character at dot `to`, in root
 * text `name`. With `to` = 2^53 - 2 the owner's next edit has no counter left.
 */
export function forgedDotsDelta(replica: number, from: number, to: number, name = 't'): Uint8Array {
  return encodeDelta({
    isState: false,
    deps: NO_DEPS,
    ranges: [{ replica, from, to }],
    containers: [
      {
        id: { kind: 'text', name, replica: 0, counter: 0 },
        inserts: [{ replica, counter: to, len: 1, olReplica: 0, olCounter: 0, orReplica: 0, orCounter: 0, deleted: false, content: '!' }],
        deletes: [],
        entries: [],
        counts: [],
      },
    ],
  })
}
