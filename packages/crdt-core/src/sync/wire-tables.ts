import { Reader, Writer } from '../encoding/index.js'
import { WeftDecodeError } from '../errors.js'
import { firstRootNameAt, frontReplicaTable, replicaTableAtFront, tableCountOmitted, writeFrontReplicaTable } from '../delta/codec.js'

/** Most doc ids one direction of a connection names by reference ([WIRE-1]); as many as it may subscribe to. */
export const WIRE_MAX_DOCS = 1024
/** Most replica ids one direction of a connection names by reference ([WIRE-2]). */
export const WIRE_MAX_REPLICAS = 4096
/** Most root container names one direction of a connection names by reference ([WIRE-2]). */
export const WIRE_MAX_NAMES = 1024

/** Below this many entries a table finds a value by a scan, not a Map (see `WireRefTable`). */
export const WIRE_SCAN_LIMIT = 8

/**
 * Values named by their first use: entry k (from 1) is the k-th value added.
 * Sender and receiver add under the same rule (absent and room left), so
 * their tables stay equal frame by frame without ever being sent whole.
 * Not `RefTable` (ref-table.ts): this one is bounded and can roll back.
 *
 * A connection has six of these and most hold a handful of values, so the
 * array is made with the first value and a Map only once the table outgrows
 * a scan: thousands of idle connections then cost a few hundred bytes less
 * each (issue 23's memory per connection).
 */
class WireRefTable<T> {
  private values: T[] | undefined
  /** Value → reference, kept only while the table holds more than `WIRE_SCAN_LIMIT` values. */
  private refs: Map<T, number> | undefined

  constructor(private readonly cap: number) {}

  get size(): number {
    return this.values === undefined ? 0 : this.values.length
  }

  /** 0 when `v` has no entry. */
  ref(v: T): number {
    if (this.refs !== undefined) return this.refs.get(v) ?? 0
    return this.values === undefined ? 0 : this.values.indexOf(v) + 1
  }

  at(ref: number): T | undefined {
    return this.values?.[ref - 1]
  }

  add(v: T): void {
    if (this.values === undefined) this.values = []
    const values = this.values
    if (values.length >= this.cap || this.ref(v) !== 0) return
    values.push(v)
    if (this.refs !== undefined) this.refs.set(v, values.length)
    else if (values.length > WIRE_SCAN_LIMIT) this.refs = new Map(values.map((x, i) => [x, i + 1]))
  }

  truncate(size: number): void {
    const values = this.values
    if (values === undefined || values.length <= size) return
    if (this.refs !== undefined) for (let i = size; i < values.length; i++) this.refs.delete(values[i] as T)
    values.length = size
    if (size <= WIRE_SCAN_LIMIT) this.refs = undefined
  }
}

/** A point to return to: the table sizes before one frame was encoded. */
export interface WireMark {
  readonly docs: number
  readonly replicas: number
  readonly names: number
}

/**
 * What one direction of one protocol-2 connection has named so far
 * ([WIRE-1]..[WIRE-3]): its doc ids and replica ids, each by first use. The
 * sender keeps one for what it sends, the receiver one for what it receives;
 * both start empty with the connection and end with it. A sender that
 * encodes a frame and then does not send it rolls back to the mark it took.
 */
export class WireTables {
  readonly docs = new WireRefTable<string>(WIRE_MAX_DOCS)
  readonly replicas = new WireRefTable<number>(WIRE_MAX_REPLICAS)
  readonly names = new WireRefTable<string>(WIRE_MAX_NAMES)

  mark(): WireMark {
    return { docs: this.docs.size, replicas: this.replicas.size, names: this.names.size }
  }

  rollback(mark: WireMark): void {
    this.docs.truncate(mark.docs)
    this.replicas.truncate(mark.replicas)
    this.names.truncate(mark.names)
  }
}

/** [WIRE-1] a doc id: its reference, or 0 and the id (which the table then holds, if it has room). */
export function writeDocRef(w: Writer, t: WireTables, doc: string): void {
  const ref = t.docs.ref(doc)
  w.writeVarUint(ref)
  if (ref !== 0) return
  w.writeString(doc)
  t.docs.add(doc)
}

/** Mirror of `writeDocRef`; the caller validates the id. */
export function readDocRef(r: Reader, t: WireTables): string {
  const ref = r.readVarUint()
  if (ref === 0) {
    const doc = r.readString()
    t.docs.add(doc)
    return doc
  }
  const doc = t.docs.at(ref)
  if (doc === undefined) throw new WeftDecodeError('out-of-range', `doc reference ${ref} past the connection's table (${t.docs.size})`)
  return doc
}

/**
 * [WIRE-2] a delta with its replica table as references: the two header
 * bytes, the count (unless the header says one replica), each id as its reference or 0 and the id; then the
 * delta byte for byte, but for the name of its first container when that is
 * a root container (`text`, `body`), which goes as a reference too. Every
 * field after the table names replicas by their position in it, so nothing
 * else changes. A delta without a table at its front (empty, or a deflated
 * state) goes as it is. Throws `RangeError` for a malformed delta (no frame
 * of protocol 2 can carry it).
 */
/**
 * What protocol 2 sends by reference from a delta: the replica table at its
 * front (ids, and where the table ends) and its first container's root name
 * (where it starts and ends). Null for a delta without a table at its front,
 * which goes as it is. Read once per message by the fan-out's shared frames
 * and by `writeCompactDelta`.
 */
export interface CompactHead {
  readonly ids: readonly number[]
  readonly tableEnd: number
  readonly name?: { readonly value: string; readonly at: number; readonly end: number }
}

export function compactHead(delta: Uint8Array): CompactHead | null {
  if (!replicaTableAtFront(delta)) return null
  try {
    const { ids, end: tableEnd } = frontReplicaTable(delta)
    const at = firstRootNameAt(delta, tableEnd)
    if (at === undefined) return { ids, tableEnd }
    const r = new Reader(delta)
    r.pos = at
    const value = r.readString()
    return { ids, tableEnd, name: { value, at, end: r.pos } }
  } catch (e) {
    throw new RangeError(`a delta frame needs a well-formed delta: ${(e as Error).message}`)
  }
}

export function writeCompactDelta(w: Writer, t: WireTables, delta: Uint8Array): void {
  const parsed = compactHead(delta)
  if (parsed === null) {
    w.writeBytes(delta)
    return
  }
  const { ids, tableEnd } = parsed
  const head = new Writer(8 + ids.length * 2)
  // The count as the delta has it: none where its header says one replica ([FMT-1] v6).
  if (!tableCountOmitted(delta)) head.writeVarUint(ids.length)
  for (const id of ids) {
    const ref = t.replicas.ref(id)
    head.writeVarUint(ref)
    if (ref !== 0) continue
    head.writeVarUint(id)
    t.replicas.add(id)
  }
  const refs = head.finish()
  if (parsed.name === undefined) {
    w.writeVarUint(2 + refs.length + delta.length - tableEnd)
    w.writeRaw(delta.subarray(0, 2))
    w.writeRaw(refs)
    w.writeRaw(delta.subarray(tableEnd))
    return
  }
  // The name: its reference, or 0 and the name as the delta spells it.
  const { value: name, at: nameAt, end: nameEnd } = parsed.name
  const nameRef = t.names.ref(name)
  const nameField = new Writer(8)
  nameField.writeVarUint(nameRef)
  if (nameRef === 0) {
    nameField.writeRaw(delta.subarray(nameAt, nameEnd))
    t.names.add(name)
  }
  const named = nameField.finish()
  w.writeVarUint(2 + refs.length + (nameAt - tableEnd) + named.length + (delta.length - nameEnd))
  w.writeRaw(delta.subarray(0, 2))
  w.writeRaw(refs)
  w.writeRaw(delta.subarray(tableEnd, nameAt))
  w.writeRaw(named)
  w.writeRaw(delta.subarray(nameEnd))
}

/**
 * Mirror of `writeCompactDelta`: the delta as it was encoded. References are
 * checked against the tables, and no more replica references may appear than
 * the table holds, so a frame cannot expand by more than the table's ids.
 */
export function readCompactDelta(r: Reader, t: WireTables): Uint8Array {
  const body = r.readBytes()
  if (!replicaTableAtFront(body)) return body
  const br = new Reader(body)
  br.pos = 2
  const n = tableCountOmitted(body) ? 1 : br.readCount(1)
  const ids: number[] = new Array<number>(n)
  let refs = 0
  for (let i = 0; i < n; i++) {
    const ref = br.readVarUint()
    if (ref === 0) {
      const id = br.readVarUint()
      if (id === 0) throw new WeftDecodeError('invalid', 'replica id 0 in a delta table')
      t.replicas.add(id)
      ids[i] = id
      continue
    }
    const id = t.replicas.at(ref)
    if (id === undefined) throw new WeftDecodeError('out-of-range', `replica reference ${ref} past the connection's table (${t.replicas.size})`)
    if (++refs > t.replicas.size) throw new WeftDecodeError('invalid', 'more replica references than the table holds')
    ids[i] = id
  }
  const tableEnd = br.pos
  const nameAt = firstRootNameAt(body, tableEnd)
  const out = new Writer(body.length + 16 + n * 8)
  out.writeRaw(body.subarray(0, 2))
  writeFrontReplicaTable(out, body, ids)
  if (nameAt === undefined) {
    out.writeRaw(body.subarray(tableEnd))
    return out.finish()
  }
  out.writeRaw(body.subarray(tableEnd, nameAt))
  br.pos = nameAt
  const nameRef = br.readVarUint()
  if (nameRef === 0) {
    const name = br.readString()
    t.names.add(name)
    out.writeString(name)
  } else {
    const name = t.names.at(nameRef)
    if (name === undefined) throw new WeftDecodeError('out-of-range', `container name reference ${nameRef} past the connection's table (${t.names.size})`)
    out.writeString(name)
  }
  out.writeRaw(body.subarray(br.pos))
  return out.finish()
}
