import { KIND_CODE } from '../containers/kind.js'
import { isAscii, putAsciiString, putVarUint } from '../encoding/raw.js'
import { PLAIN_FORMAT_VERSION, EncodeScratch, encodeDelta } from './codec.js'
import { NO_DEPS, type ContainerDelta, type DeltaData, type Deps, type DotRange } from './types.js'

const NO_CONTAINERS: ContainerDelta[] = []
const INSERT_DELETED = 1

/**
 * Encodes the deltas of one document's local transactions, in delta format
 * v1 byte for byte as `encodeDelta` writes them.
 *
 * Almost every local transaction is one keystroke: one text container with
 * one insert and/or one delete. Those are written straight into a reused
 * buffer (capacity checked once, no intermediate objects); any other
 * transaction goes through `encodeDelta` with a refilled `DeltaData`, so a
 * transaction allocates its output bytes and little else either way.
 */
export class LocalDeltaEncoder {
  private readonly scratch = new EncodeScratch()
  private readonly range: DotRange = { replica: 0, from: 0, to: 0 }
  private readonly data: DeltaData = { isState: false, deps: NO_DEPS, ranges: [this.range], containers: NO_CONTAINERS }
  private buf = new Uint8Array(256)

  /** The delta of a transaction by `replica` that used counters (from, to] and depends on `deps`. */
  encode(replica: number, from: number, to: number, deps: Deps, containers: ContainerDelta[]): Uint8Array {
    if (containers.length === 1) return this.encodeOne(replica, from, to, deps, containers[0]!)
    return this.encodeGeneric(replica, from, to, deps, containers)
  }

  /** `encode` for a transaction that changed one container (no list to allocate for it). */
  encodeOne(replica: number, from: number, to: number, deps: Deps, c: ContainerDelta): Uint8Array {
    if (
      c.id.kind === 'text' &&
      c.inserts.length <= 1 &&
      c.deletes.length <= 1 &&
      c.entries.length === 0 &&
      c.counts.length === 0 &&
      c.marks === undefined &&
      c.moves === undefined
    ) {
      const out = this.encodeTextEdit(replica, from, to, deps, c)
      if (out !== undefined) return out
    }
    return this.encodeGeneric(replica, from, to, deps, [c])
  }

  /** Through the general encoder (used for everything the text-edit path does not take). */
  encodeGeneric(replica: number, from: number, to: number, deps: Deps, containers: ContainerDelta[]): Uint8Array {
    const range = this.range
    range.replica = replica
    range.from = from
    range.to = to
    const data = this.data
    data.deps = deps
    data.containers = containers
    try {
      return encodeDelta(data, this.scratch)
    } finally {
      // Drop the references so a finished transaction is not kept alive.
      data.deps = NO_DEPS
      data.containers = NO_CONTAINERS
    }
  }

  /**
   * One text container with at most one insert and one delete, as
   * `encodeDelta` would write it. Returns undefined for non-ASCII strings
   * (their UTF-8 / WTF-8 form is the general writer's job). Public for the
   * tests that pin it to `encodeDelta`.
   */
  encodeTextEdit(replica: number, from: number, to: number, deps: Deps, c: ContainerDelta): Uint8Array | undefined {
    const ins = c.inserts.length === 1 ? c.inserts[0]! : undefined
    const del = c.deletes.length === 1 ? c.deletes[0]! : undefined
    const content = ins !== undefined && !ins.deleted ? (ins.content as string) : ''
    const id = c.id
    if (!isAscii(content) || (id.name !== null && !isAscii(id.name))) return undefined

    // The replica table, in the order encodeDelta fills it.
    const table = this.scratch.table
    table.reset()
    const depKeys = deps.replicas.length
    let nDeps = 0
    for (let i = 0; i < depKeys; i++) {
      table.add(deps.replicas[i]!)
      if (deps.counters[i]! > 0) nDeps++
    }
    table.add(replica)
    table.add(id.replica)
    if (ins !== undefined) {
      table.add(ins.replica)
      table.add(ins.olReplica)
      table.add(ins.orReplica)
    }
    const delRanges = del === undefined ? 0 : del.ranges.length
    if (del !== undefined) {
      table.add(del.replica)
      for (let i = 0; i < delRanges; i++) table.add(del.ranges[i]!.replica)
    }

    // At most 8 bytes per varint, plus the strings.
    const bound = 200 + 8 * table.size + 16 * depKeys + 24 * delRanges + content.length + (id.name === null ? 0 : id.name.length)
    let buf = this.buf
    if (buf.length < bound) buf = this.buf = new Uint8Array(Math.max(bound, buf.length * 2))

    let pos = 0
    buf[pos++] = PLAIN_FORMAT_VERSION
    buf[pos++] = 0 // flags: not a state
    pos = putVarUint(buf, pos, table.size)
    for (let i = 0; i < table.size; i++) pos = putVarUint(buf, pos, table.at(i))
    pos = putVarUint(buf, pos, nDeps)
    for (let i = 0; i < depKeys; i++) {
      const counter = deps.counters[i]!
      if (counter === 0) continue
      pos = putVarUint(buf, pos, table.ref(deps.replicas[i]!))
      pos = putVarUint(buf, pos, counter)
    }
    buf[pos++] = 1 // one dot range
    pos = putVarUint(buf, pos, table.ref(replica))
    pos = putVarUint(buf, pos, from)
    pos = putVarUint(buf, pos, to - from)
    buf[pos++] = 1 // one container
    buf[pos++] = KIND_CODE.text
    if (id.name !== null) {
      buf[pos++] = 0
      pos = putAsciiString(buf, pos, id.name)
    } else {
      buf[pos++] = 1
      pos = putVarUint(buf, pos, table.ref(id.replica))
      pos = putVarUint(buf, pos, id.counter)
    }
    if (ins === undefined) buf[pos++] = 0
    else {
      buf[pos++] = 1
      pos = putVarUint(buf, pos, table.ref(ins.replica))
      pos = putVarUint(buf, pos, ins.counter)
      pos = putVarUint(buf, pos, ins.len)
      pos = putVarUint(buf, pos, table.ref(ins.olReplica))
      if (ins.olReplica !== 0) pos = putVarUint(buf, pos, ins.olCounter)
      pos = putVarUint(buf, pos, table.ref(ins.orReplica))
      if (ins.orReplica !== 0) pos = putVarUint(buf, pos, ins.orCounter)
      buf[pos++] = ins.deleted ? INSERT_DELETED : 0
      if (!ins.deleted) pos = putAsciiString(buf, pos, content)
    }
    if (del === undefined) buf[pos++] = 0
    else {
      buf[pos++] = 1
      pos = putVarUint(buf, pos, table.ref(del.replica))
      if (del.replica !== 0) pos = putVarUint(buf, pos, del.counter)
      pos = putVarUint(buf, pos, delRanges)
      for (let i = 0; i < delRanges; i++) {
        const r = del.ranges[i]!
        pos = putVarUint(buf, pos, table.ref(r.replica))
        pos = putVarUint(buf, pos, r.counter)
        pos = putVarUint(buf, pos, r.len)
      }
    }
    return buf.slice(0, pos)
  }
}
