import { KIND_CODE } from '../containers/kind.js'
import { isAscii, putAsciiString, putUint56, putVarUint } from '../encoding/raw.js'
import {
  DENSE_FORMAT_VERSION,
  PLAIN_FORMAT_VERSION,
  TERSE_FORMAT_VERSION,
  EncodeScratch,
  PRE_V6_LAYOUT,
  encodeDelta,
  type CompactFormat,
  type TerseLayout,
} from './codec.js'
import {
  DELETE_DOT_FOLLOWS,
  DELETE_UNIT_RANGES,
  FLAG_NO_DEPS,
  FLAG_ONE_CONTAINER,
  FLAG_ONE_OP,
  FLAG_ONE_RANGE,
  FLAG_ONE_REPLICA,
  FLAG_WIDE_IDS,
  INSERT_ASCII,
  INSERT_DELETED,
  INSERT_DOT_FOLLOWS,
  MIN_WIDE_ID,
  SECTION_DELETES,
  SECTION_INSERTS,
} from './format-bits.js'
import { NO_DEPS, type ContainerDelta, type DeltaData, type Deps, type DotRange } from './types.js'

const NO_CONTAINERS: ContainerDelta[] = []

/**
 * Encodes the deltas of one document's local transactions, byte for byte as
 * `encodeDelta` writes them: in `format` (v6 terse, v5 dense ops or v4
 * compact counters), or in v1–v3 when it is undefined (for peers on builds
 * before v4).
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

  constructor(private readonly format: CompactFormat | undefined) {}

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
      return encodeDelta(data, this.scratch, this.format)
    } finally {
      // Drop the references so a finished transaction is not kept alive.
      data.deps = NO_DEPS
      data.containers = NO_CONTAINERS
    }
  }

  /**
   * One text container with at most one insert and one delete, as
   * `encodeDelta` would write it. Returns undefined for non-ASCII strings
   * (their UTF-8 / WTF-8 form is the general writer's job) and, in v4 and
   * v5, for counters their rules do not cover (the general writer decides). Public for
   * the tests that pin it to `encodeDelta`.
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

    // [v4] Every field a compact counter: the range from its dependency, each op's own counter from the
    // range, an origin or deleted range of the op's own replica back from the op. What the rules do not
    // cover goes to the general writer, which then writes v1.
    const format = this.format
    const compact = format !== undefined
    const terse = format === TERSE_FORMAT_VERSION
    const dense = format === DENSE_FORMAT_VERSION || terse
    // [v6] one replica: no count and no reference that can only name it; ids of 8 varint bytes in 7.
    const one = terse && table.size === 1
    let wide = terse
    for (let i = 0; i < table.size && wide; i++) wide = table.at(i) >= MIN_WIDE_ID
    const oneOp = terse && (ins === undefined) !== (del === undefined)
    let base = 0
    if (compact) {
      for (let i = 0; i < depKeys; i++) if (deps.replicas[i] === replica && deps.counters[i]! > 0) base = deps.counters[i]!
      if (from < base) return undefined
      if (
        ins !== undefined &&
        (ins.replica !== replica || ins.counter <= from || !before(ins, ins.olReplica, ins.olCounter) || !before(ins, ins.orReplica, ins.orCounter))
      ) {
        return undefined
      }
      if (del !== undefined && del.replica !== 0) {
        if (del.replica !== replica || del.counter <= from) return undefined
        for (let i = 0; i < delRanges; i++) if (!before(del, del.ranges[i]!.replica, del.ranges[i]!.counter)) return undefined
      }
    }

    let pos = 0
    buf[pos++] = format ?? PLAIN_FORMAT_VERSION
    // Not a state; [v5] one range, one container, and whether there are dependencies.
    buf[pos++] = dense
      ? FLAG_ONE_RANGE |
        FLAG_ONE_CONTAINER |
        (nDeps === 0 ? FLAG_NO_DEPS : 0) |
        (one ? FLAG_ONE_REPLICA : 0) |
        (oneOp ? FLAG_ONE_OP : 0) |
        (wide ? FLAG_WIDE_IDS : 0)
      : 0
    if (!one) pos = putVarUint(buf, pos, table.size)
    for (let i = 0; i < table.size; i++) pos = wide ? putUint56(buf, pos, table.at(i)) : putVarUint(buf, pos, table.at(i))
    if (!dense || nDeps > 0) pos = putVarUint(buf, pos, nDeps)
    for (let i = 0; i < depKeys; i++) {
      const counter = deps.counters[i]!
      if (counter === 0) continue
      if (!one) pos = putVarUint(buf, pos, table.ref(deps.replicas[i]!))
      pos = putVarUint(buf, pos, counter)
    }
    if (!dense) buf[pos++] = 1 // one dot range
    if (!one) pos = putVarUint(buf, pos, table.ref(replica))
    pos = putVarUint(buf, pos, from - base)
    pos = putVarUint(buf, pos, to - from)
    if (!dense) buf[pos++] = 1 // one container
    const tag = id.name !== null ? 0 : 1
    if (dense) buf[pos++] = (KIND_CODE.text << 3) | tag | (ins !== undefined ? SECTION_INSERTS : 0) | (del !== undefined ? SECTION_DELETES : 0)
    else if (compact) buf[pos++] = (KIND_CODE.text << 3) | tag
    else {
      buf[pos++] = KIND_CODE.text
      buf[pos++] = tag
    }
    if (id.name !== null) pos = putAsciiString(buf, pos, id.name)
    else {
      if (!one) pos = putVarUint(buf, pos, table.ref(id.replica))
      pos = putVarUint(buf, pos, id.counter)
    }
    if (dense) return this.finishDense(buf, pos, replica, from, ins, del, content, terse ? { terse, one, oneOp } : PRE_V6_LAYOUT)
    if (ins === undefined) buf[pos++] = 0
    else {
      buf[pos++] = 1
      pos = putVarUint(buf, pos, table.ref(ins.replica))
      pos = putVarUint(buf, pos, compact ? ins.counter - from - 1 : ins.counter)
      pos = putVarUint(buf, pos, compact ? ins.len * 2 + (ins.deleted ? INSERT_DELETED : 0) : ins.len)
      pos = putVarUint(buf, pos, table.ref(ins.olReplica))
      if (ins.olReplica !== 0) pos = putVarUint(buf, pos, refCounter(compact, ins, ins.olReplica, ins.olCounter))
      pos = putVarUint(buf, pos, table.ref(ins.orReplica))
      if (ins.orReplica !== 0) pos = putVarUint(buf, pos, refCounter(compact, ins, ins.orReplica, ins.orCounter))
      if (!compact) buf[pos++] = ins.deleted ? INSERT_DELETED : 0
      if (!ins.deleted) pos = putAsciiString(buf, pos, content)
    }
    if (del === undefined) buf[pos++] = 0
    else {
      buf[pos++] = 1
      pos = putVarUint(buf, pos, table.ref(del.replica))
      if (del.replica !== 0) pos = putVarUint(buf, pos, compact ? del.counter - from - 1 : del.counter)
      pos = putVarUint(buf, pos, delRanges)
      for (let i = 0; i < delRanges; i++) {
        const r = del.ranges[i]!
        pos = putVarUint(buf, pos, table.ref(r.replica))
        pos = putVarUint(buf, pos, refCounter(compact, del, r.replica, r.counter))
        pos = putVarUint(buf, pos, r.len)
      }
    }
    return buf.slice(0, pos)
  }

  /**
   * [v5] The ops after the container id: each dot left out when it is the
   * expected one (the range's first counter, then just past the insert);
   * [v6] and what `layout` says is left out.
   */
  private finishDense(
    buf: Uint8Array,
    pos: number,
    replica: number,
    from: number,
    ins: ContainerDelta['inserts'][number] | undefined,
    del: ContainerDelta['deletes'][number] | undefined,
    content: string,
    layout: TerseLayout,
  ): Uint8Array {
    const table = this.scratch.table
    const { one, oneOp } = layout
    let expected = from + 1
    if (ins !== undefined) {
      if (!oneOp) buf[pos++] = 1
      const implied = ins.replica === replica && ins.counter === expected
      const flags = (implied ? 0 : INSERT_DOT_FOLLOWS) | (ins.deleted ? INSERT_DELETED : INSERT_ASCII)
      pos = putVarUint(buf, pos, ins.len * 8 + flags)
      if (!implied) {
        if (!one) pos = putVarUint(buf, pos, table.ref(ins.replica))
        pos = putVarUint(buf, pos, ins.counter - from - 1)
      }
      expected = ins.counter + ins.len
      if (one) {
        // [v6] each origin one field: 0 for none, else back from the op.
        pos = putVarUint(buf, pos, ins.olReplica === 0 ? 0 : ins.counter - ins.olCounter)
        pos = putVarUint(buf, pos, ins.orReplica === 0 ? 0 : ins.counter - ins.orCounter)
      } else {
        pos = putVarUint(buf, pos, table.ref(ins.olReplica))
        if (ins.olReplica !== 0) pos = putVarUint(buf, pos, refCounter(true, ins, ins.olReplica, ins.olCounter))
        pos = putVarUint(buf, pos, table.ref(ins.orReplica))
        if (ins.orReplica !== 0) pos = putVarUint(buf, pos, refCounter(true, ins, ins.orReplica, ins.orCounter))
      }
      if (!ins.deleted) for (let i = 0; i < content.length; i++) buf[pos++] = content.charCodeAt(i)
    }
    if (del !== undefined) {
      if (!oneOp) buf[pos++] = 1
      const implied = del.replica === replica && del.counter === expected
      const nRanges = del.ranges.length
      let unit = layout.terse && nRanges > 0
      for (let i = 0; i < nRanges && unit; i++) unit = del.ranges[i]!.len === 1
      const follows = implied ? 0 : DELETE_DOT_FOLLOWS
      pos = putVarUint(buf, pos, layout.terse ? nRanges * 4 + (unit ? DELETE_UNIT_RANGES : 0) + follows : nRanges * 2 + follows)
      if (!implied) {
        pos = putVarUint(buf, pos, table.ref(del.replica))
        if (del.replica !== 0) pos = putVarUint(buf, pos, del.counter - from - 1)
      }
      for (let i = 0; i < nRanges; i++) {
        const r = del.ranges[i]!
        if (!one) pos = putVarUint(buf, pos, table.ref(r.replica))
        pos = putVarUint(buf, pos, refCounter(true, del, r.replica, r.counter))
        if (!unit) pos = putVarUint(buf, pos, r.len)
      }
    }
    return buf.slice(0, pos)
  }
}

/** [v4] Whether a counter the op refers to can be written back from the op: another replica's, or an earlier one of its own. */
function before(op: { replica: number; counter: number }, replica: number, counter: number): boolean {
  return replica !== op.replica || replica === 0 || counter < op.counter
}

/** A counter the op at (`op.replica`, `op.counter`) refers to, as v4 writes it (back from the op, for its own replica) or before. */
function refCounter(compact: boolean, op: { replica: number; counter: number }, replica: number, counter: number): number {
  return compact && replica === op.replica && replica !== 0 ? op.counter - counter : counter
}
