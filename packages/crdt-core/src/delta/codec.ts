import { deflateRaw, inflateRaw } from './compression.js'
import { WeftDecodeError } from '../errors.js'
import { DEFAULT_MAX_INFLATED_BYTES, MAX_KEY_BYTES, TRUSTED_MAX_INFLATED_BYTES } from '../limits.js'
import { Reader, Writer } from '../encoding/index.js'
import { isAscii } from '../encoding/raw.js'
import { KIND_BY_CODE, KIND_CODE, containerKey, type ContainerId, type ContainerKind } from '../containers/kind.js'
import type { IdRange, InsertOp } from '../sequence/sequence.js'
import { isJsonInt, readJson, writeJson } from '../values.js'
import { readSequenceColumns, writeSequenceColumns } from './state-columns.js'
import { MAX_SPAN_LEN, columnsToOps, opsToColumns, type SequenceColumns } from '../sequence/columns.js'
import { CONTAINER_KIND, containerPlaceholder, isContainerRef } from '../containers/container-ref.js'
import { markReplicas, readMarks, writeMarks } from '../text/marks-codec.js'
import { moveReplicas, readMoves, writeMoves } from '../text/moves-codec.js'
import {
  DELETE_DOT_FOLLOWS,
  DELETE_UNIT_RANGES,
  DENSE_HEADER_FLAGS,
  ENTRY_DOT_FOLLOWS,
  FLAG_NO_DEPS,
  FLAG_ONE_CONTAINER,
  FLAG_ONE_OP,
  FLAG_ONE_RANGE,
  FLAG_ONE_REPLICA,
  FLAG_WIDE_IDS,
  INSERT_ASCII,
  INSERT_DELETED,
  INSERT_DOT_FOLLOWS,
  INSERT_INTS,
  KIND_BITS,
  MAX_DENSE_LAMPORT,
  MAX_JSON_TAG,
  MIN_WIDE_ID,
  SECTION_DELETES,
  SECTION_INSERTS,
  TAG_MARKS,
  TAG_MOVES,
  TAG_NESTED,
  TERSE_HEADER_FLAGS,
  VALUE_CONTAINER,
  VALUE_DELETED,
} from './format-bits.js'
import {
  NO_DEPS,
  type ContainerDelta,
  type CounterOp,
  type Deps,
  type DeleteOp,
  type DeltaData,
  type DotRange,
  type MapEntryOp,
  type StoredValueOp,
} from './types.js'

/**
 * Delta format, version 1. Layout:
 *
 *   u8 version (1) | u8 flags (bit 0: complete state)
 *   replica table: count, ids        (everything below names replicas by table index)
 *   deps: count, (replica, counter)
 *   ranges: count, (replica, from, to - from)
 *   containers: count, each: id, then by kind
 *     text/list: inserts (replica, counter, len, left origin, right origin, flags, content), deletes
 *     map: entries (key, replica, counter, lamport, value)
 *     counter: (replica, counter, total)
 *
 * Decoding checks every count against the remaining input and every id
 * against the dots the delta declares, so a decoded delta is self-consistent
 * before the document looks at it.
 *
 * Version history (a build reads every version up to its own):
 *   1  the layout above.
 *   2  as 1, and every text container ends with a marks section (format /
 *      unformat ops, see text/marks-codec.ts). Written only for a delta or
 *      state that carries marks, so plain-text data stays v1 byte for byte;
 *      a v1-only peer refuses a v2 delta with `bad-version` rather than
 *      loading it without its formatting.
 *   3  as 2, and every text container's marks section is followed by a
 *      moves section (see text/moves-codec.ts). Written only when a move
 *      travels: a v2 peer refuses it rather than showing a moved block twice.
 *   4  compact counters, for the deltas of local transactions (a document
 *      writes them unless created with `deltaFormat: 3`; states and
 *      catch-ups keep the lowest of 1–3). The fields of 3, where counters
 *      are written relative to the delta's own dots, which they are near:
 *      - a range's `from`: minus the delta's dependency on the same replica,
 *        when it has one (a local transaction's own last counter, so 0);
 *      - an op's own counter (insert, delete, map entry, counter op): minus
 *        its replica's range `from`, minus 1 (so 0 for the first dot);
 *      - an origin of an insert, and a range a delete removes, by the op's
 *        own replica: the op's counter minus it (1 for the character typed
 *        just before); other replicas' counters stay absolute;
 *      - a container id's kind and tag in one byte: kind << 3, bit 0 nested,
 *        bit 1 a marks section follows, bit 2 a moves section follows (text
 *        only), so there are no empty sections;
 *      - an insert's length and deleted flag in one field: len * 2 + deleted.
 *      Per delta of the sequential editing traces, 13-15 % less (41.9 to
 *      35.9 bytes on automerge-paper, 59.2 to 51.4 on rustcode). Data
 *      these rules cannot express (an op outside the declared dots, an
 *      origin not before its op) is written in 1–3 instead. A build before
 *      v4 refuses a v4 delta with `bad-version`: let servers upgrade first,
 *      and give clients `deltaFormat: 3` until every client reads v4.
 *   5  dense ops, for the deltas of local transactions (the default;
 *      `deltaFormat: 4` and 3 stay writable). v4, leaving out what the
 *      reader can infer (bit values in format-bits.ts):
 *      - header flags for the usual counts, which are then not written:
 *        no dependencies (bit 2), one dot range (bit 3), one container
 *        (bit 4); a count they would have said is refused;
 *      - a text or list id byte says which op sections follow (0x40
 *        inserts, 0x80 deletes), so an empty section costs nothing;
 *      - an op's dot is left out when it is the expected one: with one dot
 *        range, its first counter, then just past the last op's dots (an
 *        insert's len, every other op 1), as a transaction writes them;
 *      - an insert opens with `len * 8 + 4 (its dot follows) + 2 (ASCII
 *        text, its bytes are its len, no byte length) + 1 (deleted)`; a
 *        delete with `ranges * 2 + 1 (its dot follows)`; a map entry's
 *        lamport field is `lamport * 2 + 1 (its dot follows)`;
 *      - a value shares its tag byte with the JSON value's own (JSON 0-7,
 *        a nested container 16 + kind, a deleted entry 32).
 *      A typed character is 27 bytes (34 in v4, 38 in v3, with a random
 *      53-bit replica id). A build before v5 refuses a v5 delta with
 *      `bad-version`: upgrade servers first, give clients `deltaFormat: 4`
 *      until every client reads v5.
 *   6  terse, for the deltas of local transactions (the default;
 *      `deltaFormat: 5`, 4 and 3 stay writable). v5, and three more header
 *      flags (bit values in format-bits.ts):
 *      - one replica (bit 5): the table holds one id and its count is not
 *        written, nor is any reference that can only name that id (of a
 *        dependency, a dot range, an op whose dot follows, a range a
 *        delete removes, a nested container id); an insert's origin is one
 *        field, 0 for none or the op's counter minus the origin's (the
 *        marks and moves sections keep their references);
 *      - one op (bit 6, with one container): the container holds one op,
 *        and its count is not written (a text or list says which in its
 *        id byte, which then has one section bit);
 *      - wide ids (bit 7): every table id is 7 bytes, little-endian, set
 *        when each is at least 2^49, where a varint takes 8: a random
 *        53-bit id is 7 bytes instead of 8 fifteen times in sixteen;
 *      - a delete opens with `ranges * 4 + 2 (every range one dot long, no
 *        lengths written) + 1 (its dot follows)`;
 *      - a list insert whose items are all integers has the bit that marks
 *        ASCII in a text insert, and its items are zig-zag varints with no
 *        tag.
 *      A flag that could have been set is refused unset, as is a delete
 *      of unit ranges without its bit, so every delta has one encoding.
 *      With a random id, a typed character is 5 bytes shorter than in v5
 *      (21 against 26 in a text named `text`), a deleted one 6 (19, 25);
 *      per delta of the sequential editing traces 0.79-0.86x v5 (29.2 to
 *      23.2 bytes on automerge-paper). A build before v6 refuses a v6 delta with
 *      `bad-version`: upgrade servers first, give clients `deltaFormat: 5`
 *      until every client reads v6.
 */
export const DELTA_FORMAT_VERSION = 6
/** The version written when no container carries marks or moves. */
export const PLAIN_FORMAT_VERSION = 1
/** The version written when a text carries marks but no moves. */
export const MARKS_FORMAT_VERSION = 2
/** The version written when a text carries a move (before v4, every text container then has both sections). */
export const MOVES_FORMAT_VERSION = 3
/** Counters relative to the delta's own dots. */
export const COMPACT_FORMAT_VERSION = 4
/** v4 with the inferable left out. */
export const DENSE_FORMAT_VERSION = 5
/** v5 with one-replica, one-op and wide-id flags: the deltas of local transactions. */
export const TERSE_FORMAT_VERSION = 6
/** The formats with counters relative to the delta's own dots, which only incremental deltas use. */
export type CompactFormat = typeof COMPACT_FORMAT_VERSION | typeof DENSE_FORMAT_VERSION | typeof TERSE_FORMAT_VERSION
/** A delta format version a document may be asked to write (`DocOptions.deltaFormat`). */
export type WritableDeltaFormat = typeof MOVES_FORMAT_VERSION | CompactFormat

/** The compact format an encoded delta is in, if it is in one (what re-encoding it should write). */
export function compactFormatOf(bytes: Uint8Array): CompactFormat | undefined {
  const v = bytes[0]
  return v === COMPACT_FORMAT_VERSION || v === DENSE_FORMAT_VERSION || v === TERSE_FORMAT_VERSION ? v : undefined
}

const FLAG_STATE = 1
/** The body after the two header bytes is deflated (states only): varuint raw length, then raw deflate. */
const FLAG_DEFLATE = 2
/** Deflate cannot expand more than ~1032:1; anything claiming more is a bomb. */
const MAX_INFLATE_RATIO = 1032
/** States smaller than this are not worth compressing. */
const DEFLATE_MIN_BYTES = 1024

const enum ValueTag {
  Json = 0,
  Container = 1,
  Deleted = 2,
}

/** Replica ids of a delta, referred to by position. Most deltas name one or two replicas, so a scan beats a Map. */
/** Replica tables up to this size are searched by a scan; bigger ones get a Map (or Set). */
const SCAN_LIMIT = 16

export class ReplicaTable {
  /** The first `size` entries are the table; the array is kept across resets. */
  private readonly ids: number[] = []
  size = 0
  /** Ref by id, built once the table outgrows a scan (a state of a doc many replicas wrote). */
  private byId: Map<number, number> | null = null

  reset(): void {
    this.size = 0
    this.byId = null
  }

  add(id: number): void {
    if (id === 0 || this.ref(id) !== 0) return
    this.ids[this.size++] = id
    if (this.byId !== null) this.byId.set(id, this.size)
    else if (this.size > SCAN_LIMIT) this.byId = new Map(this.ids.slice(0, this.size).map((x, i) => [x, i + 1]))
  }

  /** Index + 1, with 0 for the null replica (and for an id not in the table). */
  ref(id: number): number {
    if (id === 0) return 0
    if (this.byId !== null) return this.byId.get(id) ?? 0
    const ids = this.ids
    for (let i = 0; i < this.size; i++) if (ids[i] === id) return i + 1
    return 0
  }

  at(i: number): number {
    return this.ids[i]!
  }
}

/**
 * Working memory reused across encodes (one per document): a local delta per
 * keystroke should allocate its output and nothing else.
 */
export class EncodeScratch {
  readonly writer = new Writer(256)
  readonly table = new ReplicaTable()
}

/**
 * Thrown inside a compact encode when a counter does not fit the v4 rules
 * (an op outside the declared dots, an origin not before its op, in v5 a
 * lamport clock past 2^52): the delta is then written in v1–v3. Frozen, so
 * no module-level state.
 */
const NOT_COMPACT = Object.freeze({ notCompact: true })

/**
 * Encodes a delta; `scratch` (reset here) avoids fresh working memory per
 * call. `compact`: write an incremental delta in that format (v4 or v5)
 * when its counters allow (see the version history); states, and deltas
 * without `compact`, are written in v1–v3.
 */
export function encodeDelta(d: DeltaData, scratch?: EncodeScratch, compact?: CompactFormat): Uint8Array {
  if (compact !== undefined && !d.isState) {
    try {
      return encodeWith(d, scratch, compact)
    } catch (e) {
      if (e !== NOT_COMPACT) throw e
    }
  }
  return encodeWith(d, scratch, undefined)
}

function encodeWith(d: DeltaData, scratch: EncodeScratch | undefined, format: CompactFormat | undefined): Uint8Array {
  const compact = format !== undefined
  const dense = format === DENSE_FORMAT_VERSION || format === TERSE_FORMAT_VERSION
  const terse = format === TERSE_FORMAT_VERSION
  const table = scratch?.table ?? new ReplicaTable()
  table.reset()
  const deps = d.deps
  for (let i = 0; i < deps.replicas.length; i++) table.add(deps.replicas[i]!)
  for (const r of d.ranges) table.add(r.replica)
  let version = PLAIN_FORMAT_VERSION
  for (const c of d.containers) {
    table.add(c.id.replica)
    if (c.columns !== undefined) for (const id of c.columns.replicas) table.add(id)
    for (const op of c.inserts) {
      table.add(op.replica)
      table.add(op.olReplica)
      table.add(op.orReplica)
    }
    for (const del of c.deletes) {
      table.add(del.replica)
      for (const r of del.ranges) table.add(r.replica)
    }
    for (const e of c.entries) table.add(e.replica)
    for (const k of c.counts) table.add(k.replica)
    if (c.marks !== undefined && c.marks.length > 0) {
      version = Math.max(version, MARKS_FORMAT_VERSION)
      markReplicas(c.marks, (id) => table.add(id))
    }
    if (c.moves !== undefined && c.moves.length > 0) {
      version = MOVES_FORMAT_VERSION
      moveReplicas(c.moves, (id) => table.add(id))
    }
  }
  if (format !== undefined) version = format

  const w = scratch?.writer ?? new Writer(64)
  w.reset()
  w.writeUint8(version)
  const flagsAt = w.length
  w.writeUint8(d.isState ? FLAG_STATE : 0)
  // [v6] one replica: no count, and no reference that can only name it.
  const one = terse && table.size === 1
  const wide = terse && allWide(table)
  if (!one) w.writeVarUint(table.size)
  writeTableIds(w, table, wide)
  // A dependency on nothing is left out, unless it names a replica the delta carries:
  // then it marks a catch-up's dependencies as a bound ([SYNC-DEPS-1]).
  // A set past a few ranges: a catch-up of a doc many replicas wrote names each of them in both lists,
  // and a scan per dependency made it quadratic (15k replicas: 2.4 s per sync reply).
  const carried = d.ranges.length > SCAN_LIMIT ? new Set(d.ranges.map((r) => r.replica)) : null
  const carries = (replica: number): boolean => (carried !== null ? carried.has(replica) : d.ranges.some((r) => r.replica === replica))
  const written = (i: number): boolean => deps.counters[i]! > 0 || carries(deps.replicas[i]!)
  let nDeps = 0
  for (let i = 0; i < deps.counters.length; i++) if (written(i)) nDeps++
  const oneOp = terse && d.containers.length === 1 && opCount(d.containers[0]!) === 1
  if (dense) {
    // [v5] the usual counts as header flags (the flags byte is written before the counts are known).
    const flags =
      (nDeps === 0 ? FLAG_NO_DEPS : 0) |
      (d.ranges.length === 1 ? FLAG_ONE_RANGE : 0) |
      (d.containers.length === 1 ? FLAG_ONE_CONTAINER : 0) |
      (one ? FLAG_ONE_REPLICA : 0) |
      (oneOp ? FLAG_ONE_OP : 0) |
      (wide ? FLAG_WIDE_IDS : 0)
    w.patchUint8(flagsAt, flags)
  }
  if (!dense || nDeps !== 0) w.writeVarUint(nDeps)
  for (let i = 0; i < deps.counters.length; i++) {
    const c = deps.counters[i]!
    if (!written(i)) continue
    if (!one) w.writeVarUint(table.ref(deps.replicas[i]!))
    w.writeVarUint(c)
  }
  if (!dense || d.ranges.length !== 1) w.writeVarUint(d.ranges.length)
  for (const r of d.ranges) {
    if (!one) w.writeVarUint(table.ref(r.replica))
    if (compact) {
      // [v4] relative to the written dependency on the same replica, if there is one.
      const i = deps.replicas.indexOf(r.replica)
      const base = i >= 0 && written(i) ? deps.counters[i]! : 0
      if (r.from < base) throw NOT_COMPACT
      w.writeVarUint(r.from - base)
    } else w.writeVarUint(r.from)
    w.writeVarUint(r.to - r.from)
  }
  const counters = compact ? new CompactCounters(w, d.ranges) : new AbsoluteCounters(w)
  if (!dense || d.containers.length !== 1) w.writeVarUint(d.containers.length)
  for (const c of d.containers) {
    const marks = c.id.kind === 'text' && (compact ? c.marks !== undefined && c.marks.length > 0 : version >= MARKS_FORMAT_VERSION)
    const moves = c.id.kind === 'text' && (compact ? c.moves !== undefined && c.moves.length > 0 : version >= MOVES_FORMAT_VERSION)
    let sections = compact ? (marks ? TAG_MARKS : 0) | (moves ? TAG_MOVES : 0) : 0
    if (dense && (c.id.kind === 'text' || c.id.kind === 'list')) {
      sections |= (c.inserts.length > 0 ? SECTION_INSERTS : 0) | (c.deletes.length > 0 ? SECTION_DELETES : 0)
    }
    if (dense) writeDenseContainer(w, table, c, counters as CompactCounters, sections, terse ? { terse, one, oneOp } : PRE_V6_LAYOUT)
    else writeContainer(w, table, c, d.isState, counters, compact, sections)
    if (marks) writeMarks(w, c.marks ?? NONE, (id) => table.ref(id))
    if (moves) writeMoves(w, c.moves ?? NONE, (id) => table.ref(id))
  }
  const bytes = w.finish()
  return d.isState && bytes.length >= DEFLATE_MIN_BYTES ? deflateState(bytes) : bytes
}

/**
 * Snapshots are stored and shipped whole, so they are deflated like
 * Automerge's columns; deltas stay raw (small, and decoded on the hot path).
 * See compression.ts for which deflate runs where.
 */
function deflateState(bytes: Uint8Array): Uint8Array {
  const body = bytes.subarray(2)
  const packed = deflateRaw(body)
  const w = new Writer(packed.length + 12)
  w.writeUint8(bytes[0]!)
  w.writeUint8(bytes[1]! | FLAG_DEFLATE)
  w.writeVarUint(body.length)
  w.writeRaw(packed)
  return w.finish()
}

/** Limits a caller may set on one decode. */
export interface DecodeOptions {
  /** Most bytes a deflated state may inflate to (default `DEFAULT_MAX_INFLATED_BYTES`, 64 MiB). */
  maxInflatedBytes?: number
}

function inflateBody(r: Reader, maxInflatedBytes: number): Reader {
  const rawLength = r.readVarUint()
  const packed = r.readRaw(r.remaining)
  const bound = Math.min(maxInflatedBytes, TRUSTED_MAX_INFLATED_BYTES)
  if (rawLength > bound) {
    throw new WeftDecodeError('too-large', `deflated state claims ${rawLength} bytes, over the ${bound}-byte limit (maxInflatedBytes)`)
  }
  if (rawLength > packed.length * MAX_INFLATE_RATIO) {
    throw new WeftDecodeError('out-of-range', `deflated state claims ${rawLength} bytes from ${packed.length}`)
  }
  let raw: Uint8Array
  try {
    // Bounded while it runs: inflating stops one byte past the claim (which
    // is within the limit), so a state that lies about its length cannot
    // inflate further than an honest one.
    raw = inflateRaw(packed, rawLength)
  } catch {
    throw new WeftDecodeError('invalid', 'deflated state is corrupt')
  }
  if (raw.length !== rawLength) throw new WeftDecodeError('invalid', `deflated state inflates to ${raw.length} bytes, not ${rawLength}`)
  return new Reader(raw)
}

/** `sections`: the v4 tag's section bits. `one`: [v6] the table's only replica is implied. */
function writeContainerId(w: Writer, table: ReplicaTable, id: ContainerId, compact: boolean, sections: number, one = false): void {
  const tag = (id.name !== null ? 0 : TAG_NESTED) | sections
  if (compact) w.writeUint8((KIND_CODE[id.kind] << 3) | tag)
  else {
    w.writeUint8(KIND_CODE[id.kind])
    w.writeUint8(tag)
  }
  if (id.name !== null) w.writeString(id.name)
  else {
    if (!one) w.writeVarUint(table.ref(id.replica))
    w.writeVarUint(id.counter)
  }
}

/** [v6] Whether every id of the table takes 8 bytes as a varint, so 7 fixed bytes are shorter. */
function allWide(table: ReplicaTable): boolean {
  if (table.size === 0) return false
  for (let i = 0; i < table.size; i++) if (table.at(i) < MIN_WIDE_ID) return false
  return true
}

function writeTableIds(w: Writer, table: ReplicaTable, wide: boolean): void {
  for (let i = 0; i < table.size; i++) {
    if (wide) w.writeUint56(table.at(i))
    else w.writeVarUint(table.at(i))
  }
}

/** A container's ops of every kind (marks and moves apart): [v6]'s one-op flag says when it is one. */
function opCount(c: ContainerDelta): number {
  return c.inserts.length + c.deletes.length + c.entries.length + c.counts.length
}

/** [v6] What a delta's header flags let its ops leave out (before v6: nothing). */
export interface TerseLayout {
  /** A delete's opening carries the unit-ranges bit. */
  readonly terse: boolean
  /** One replica: no reference that can only name it; an origin is one field. */
  readonly one: boolean
  /** One op in the one container: no op count. */
  readonly oneOp: boolean
}

export const PRE_V6_LAYOUT: TerseLayout = Object.freeze({ terse: false, one: false, oneOp: false })

/** How an op's counters are written: as they are (v1–v3) or relative to the delta's own dots (v4). */
interface CounterWriter {
  /** The op's own counter (its replica's range holds it). */
  dot(replica: number, counter: number): void
  /** A counter the op at (`opReplica`, `opCounter`) refers to (an origin, a deleted range's start). */
  ref(opReplica: number, opCounter: number, replica: number, counter: number): void
  /** [v5] After an op at `counter` with `len` dots: the next is expected just past them (before v5, nothing). */
  passed(counter: number, len: number): void
}

class AbsoluteCounters implements CounterWriter {
  constructor(private readonly w: Writer) {}
  dot(_replica: number, counter: number): void {
    this.w.writeVarUint(counter)
  }
  ref(_opReplica: number, _opCounter: number, _replica: number, counter: number): void {
    this.w.writeVarUint(counter)
  }
  passed(): void {}
}

/** [v4] Throws `NOT_COMPACT` for a counter the rules cannot express. */
class CompactCounters implements CounterWriter {
  /** [v5] The replica of the delta's only dot range (0: not one range, no dot is expected). */
  private readonly expReplica: number
  /** [v5] The counter the next op is expected at. */
  private expNext: number

  constructor(
    private readonly w: Writer,
    private readonly ranges: readonly DotRange[],
  ) {
    this.expReplica = ranges.length === 1 ? ranges[0]!.replica : 0
    this.expNext = ranges.length === 1 ? ranges[0]!.from + 1 : 0
  }

  /** [v5] Whether an op's dot is the expected one (then it is left out). */
  isExpected(replica: number, counter: number): boolean {
    return replica === this.expReplica && replica !== 0 && counter === this.expNext
  }

  /** [v5] After an op at `counter` with `len` dots: the next is expected just past them. */
  passed(counter: number, len: number): void {
    this.expNext = counter + len
  }
  dot(replica: number, counter: number): void {
    const ranges = this.ranges
    let from = -1
    for (let i = 0; i < ranges.length; i++) if (ranges[i]!.replica === replica) from = ranges[i]!.from
    if (from < 0 || counter <= from) throw NOT_COMPACT
    this.w.writeVarUint(counter - from - 1)
  }
  ref(opReplica: number, opCounter: number, replica: number, counter: number): void {
    if (replica !== opReplica || opReplica === 0) this.w.writeVarUint(counter)
    else if (counter < opCounter) this.w.writeVarUint(opCounter - counter)
    else throw NOT_COMPACT
  }
}

function writeContainer(
  w: Writer,
  table: ReplicaTable,
  c: ContainerDelta,
  isState: boolean,
  counters: CounterWriter,
  compact: boolean,
  sections: number,
): void {
  writeContainerId(w, table, c.id, compact, sections)
  const kind = c.id.kind
  if (isState && (kind === 'text' || kind === 'list')) {
    // States list whole sequences in document order: see state-columns.ts.
    writeSequenceColumns(w, c.columns ?? opsToColumns(c.inserts, kind === 'text'), kind === 'text', (id) => table.ref(id), writeItem)
  } else if (kind === 'text' || kind === 'list') {
    w.writeVarUint(c.inserts.length)
    for (const op of c.inserts) {
      w.writeVarUint(table.ref(op.replica))
      counters.dot(op.replica, op.counter)
      // [v4] the deleted flag rides in the length's low bit (no span that long decodes anyway).
      if (compact && op.len > MAX_SPAN_LEN) throw NOT_COMPACT
      w.writeVarUint(compact ? op.len * 2 + (op.deleted ? INSERT_DELETED : 0) : op.len)
      writeOrigins(w, table, counters, op)
      if (!compact) w.writeUint8(op.deleted ? INSERT_DELETED : 0)
      if (op.deleted) continue
      if (kind === 'text') w.writeString(op.content as string)
      else for (const v of op.content as unknown[]) writeItem(w, v)
    }
    w.writeVarUint(c.deletes.length)
    for (const del of c.deletes) {
      w.writeVarUint(table.ref(del.replica))
      if (del.replica !== 0) counters.dot(del.replica, del.counter)
      w.writeVarUint(del.ranges.length)
      writeDeletedRanges(w, table, counters, del)
    }
  } else if (kind === 'map') {
    w.writeVarUint(c.entries.length)
    for (const e of c.entries) {
      w.writeString(e.key)
      w.writeVarUint(table.ref(e.replica))
      counters.dot(e.replica, e.counter)
      w.writeVarUint(e.lamport)
      writeValueOp(w, e.value)
    }
  } else writeCounts(w, table, c.counts, counters, PRE_V6_LAYOUT)
}

/** An insert's origins, in every format: a table ref each, then its counter unless none. */
function writeOrigins(w: Writer, table: ReplicaTable, counters: CounterWriter, op: InsertOp): void {
  w.writeVarUint(table.ref(op.olReplica))
  if (op.olReplica !== 0) counters.ref(op.replica, op.counter, op.olReplica, op.olCounter)
  w.writeVarUint(table.ref(op.orReplica))
  if (op.orReplica !== 0) counters.ref(op.replica, op.counter, op.orReplica, op.orCounter)
}

/** The ranges a delete removes, after their count (which each format writes its own way); [v6] without the reference with `one` replica, without the length when `unit`. */
function writeDeletedRanges(w: Writer, table: ReplicaTable, counters: CounterWriter, del: DeleteOp, one = false, unit = false): void {
  for (const r of del.ranges) {
    if (!one) w.writeVarUint(table.ref(r.replica))
    counters.ref(del.replica, del.counter, r.replica, r.counter)
    if (!unit) w.writeVarUint(r.len)
  }
}

/** [v5] A container's ops, leaving out what the reader infers (see the version history); [v6] and what `layout` says. */
function writeDenseContainer(w: Writer, table: ReplicaTable, c: ContainerDelta, counters: CompactCounters, sections: number, layout: TerseLayout): void {
  const { one, oneOp } = layout
  writeContainerId(w, table, c.id, true, sections, one)
  const kind = c.id.kind
  if (kind === 'text' || kind === 'list') {
    if (c.inserts.length > 0 && !oneOp) w.writeVarUint(c.inserts.length)
    for (const op of c.inserts) {
      if (op.len > MAX_SPAN_LEN) throw NOT_COMPACT
      const ascii = kind === 'text' && !op.deleted && isAscii(op.content as string)
      // [v6] a list of integers: no tag per item.
      const ints = layout.terse && kind === 'list' && !op.deleted && (op.content as unknown[]).every(isJsonInt)
      const implied = counters.isExpected(op.replica, op.counter)
      w.writeVarUint(op.len * 8 + (implied ? 0 : INSERT_DOT_FOLLOWS) + (ascii ? INSERT_ASCII : ints ? INSERT_INTS : 0) + (op.deleted ? INSERT_DELETED : 0))
      if (!implied) {
        if (!one) w.writeVarUint(table.ref(op.replica))
        counters.dot(op.replica, op.counter)
      }
      counters.passed(op.counter, op.len)
      if (one) writeOneReplicaOrigins(w, op)
      else writeOrigins(w, table, counters, op)
      if (op.deleted) continue
      if (ascii) w.writeAscii(op.content as string)
      else if (kind === 'text') w.writeString(op.content as string)
      else if (ints) for (const v of op.content as number[]) w.writeVarInt(v)
      else for (const v of op.content as unknown[]) writeDenseItem(w, v)
    }
    if (c.deletes.length > 0 && !oneOp) w.writeVarUint(c.deletes.length)
    for (const del of c.deletes) {
      const implied = counters.isExpected(del.replica, del.counter)
      const follows = implied ? 0 : DELETE_DOT_FOLLOWS
      const unit = layout.terse && del.ranges.length > 0 && del.ranges.every((r) => r.len === 1)
      w.writeVarUint(layout.terse ? del.ranges.length * 4 + (unit ? DELETE_UNIT_RANGES : 0) + follows : del.ranges.length * 2 + follows)
      if (!implied) {
        w.writeVarUint(table.ref(del.replica))
        if (del.replica !== 0) counters.dot(del.replica, del.counter)
      }
      if (del.replica !== 0) counters.passed(del.counter, 1)
      writeDeletedRanges(w, table, counters, del, one, unit)
    }
  } else if (kind === 'map') {
    if (!oneOp) w.writeVarUint(c.entries.length)
    for (const e of c.entries) {
      if (e.lamport > MAX_DENSE_LAMPORT) throw NOT_COMPACT
      w.writeString(e.key)
      const implied = counters.isExpected(e.replica, e.counter)
      w.writeVarUint(e.lamport * 2 + (implied ? 0 : ENTRY_DOT_FOLLOWS))
      if (!implied) {
        if (!one) w.writeVarUint(table.ref(e.replica))
        counters.dot(e.replica, e.counter)
      }
      counters.passed(e.counter, 1)
      writeDenseValueOp(w, e.value)
    }
  } else writeCounts(w, table, c.counts, counters, layout)
}

/** A counter's ops, the same from v1 on ([v5] each moves the expected dot past it; [v6] no count or reference where `layout` says). */
function writeCounts(w: Writer, table: ReplicaTable, counts: readonly CounterOp[], counters: CounterWriter, layout: TerseLayout): void {
  if (!layout.oneOp) w.writeVarUint(counts.length)
  for (const k of counts) {
    if (!layout.one) w.writeVarUint(table.ref(k.replica))
    counters.dot(k.replica, k.counter)
    counters.passed(k.counter, 1)
    w.writeVarInt(k.total)
  }
}

/** [v6] An insert's origins with one replica in the table: each 0 for none, else the op's counter minus the origin's. */
function writeOneReplicaOrigins(w: Writer, op: InsertOp): void {
  w.writeVarUint(op.olReplica === 0 ? 0 : backFrom(op, op.olCounter))
  w.writeVarUint(op.orReplica === 0 ? 0 : backFrom(op, op.orCounter))
}

/** [v6] How far back from its own op a counter of the op's replica is (at least 1, or the delta is not compact). */
function backFrom(op: { readonly counter: number }, counter: number): number {
  if (counter >= op.counter) throw NOT_COMPACT
  return op.counter - counter
}

/** [v5] A list item: its JSON value as it is (its first byte is its tag), or a nested container's tag. */
function writeDenseItem(w: Writer, v: unknown): void {
  if (isContainerRef(v)) w.writeUint8(VALUE_CONTAINER + KIND_CODE[v[CONTAINER_KIND]])
  else writeJson(w, v as never)
}

/** [v5] A map entry's value, tagged as {@link writeDenseItem} does, or deleted. */
function writeDenseValueOp(w: Writer, v: StoredValueOp): void {
  if (v.type === 'json') writeJson(w, v.value)
  else if (v.type === 'container') w.writeUint8(VALUE_CONTAINER + KIND_CODE[v.kind])
  else w.writeUint8(VALUE_DELETED)
}

function writeItem(w: Writer, v: unknown): void {
  if (isContainerRef(v)) {
    w.writeUint8(ValueTag.Container)
    w.writeUint8(KIND_CODE[v[CONTAINER_KIND]])
  } else {
    w.writeUint8(ValueTag.Json)
    writeJson(w, v as never)
  }
}

function writeValueOp(w: Writer, v: StoredValueOp): void {
  if (v.type === 'json') {
    w.writeUint8(ValueTag.Json)
    writeJson(w, v.value)
  } else if (v.type === 'container') {
    w.writeUint8(ValueTag.Container)
    w.writeUint8(KIND_CODE[v.kind])
  } else {
    w.writeUint8(ValueTag.Deleted)
  }
}

// ---------------------------------------------------------------- decoding

/**
 * Objects a document reuses for decoding one remote delta after another. A
 * delta decoded with it is valid only until the next such decode, so a
 * caller that keeps one (the causal buffer) decodes it again without.
 */
export class DecodeScratch {
  private readonly range: DotRange = { replica: 0, from: 0, to: 0 }
  /** For a delta with one dot range. */
  readonly ranges: DotRange[] = [this.range]
  private readonly id: ContainerId = { kind: 'text', name: null, replica: 0, counter: 0 }
  private readonly container: ContainerDelta = { id: this.id, inserts: NONE, deletes: NONE, entries: NONE, counts: NONE }
  /** For a delta with one container. */
  readonly containers: ContainerDelta[] = [this.container]
  /** For a container with one insert. */
  readonly oneInsert: InsertOp[] = [undefined as unknown as InsertOp]
  readonly context = new DecodeContext([], this.ranges, PLAIN_FORMAT_VERSION, 0)
  readonly data: DeltaData = { isState: false, deps: NO_DEPS, ranges: this.ranges, containers: this.containers, droppedEmpty: 0 }
  readonly rootNames = new RecentRootNames()

  setRange(replica: number, from: number, to: number): void {
    this.range.replica = replica
    this.range.from = from
    this.range.to = to
  }

  /** The reused container delta, emptied, with the reused id set to these values. */
  containerWithId(kind: ContainerKind, name: string | null, replica: number, counter: number): ContainerDelta {
    return emptiedWithId(this.container, this.id, kind, name, replica, counter)
  }
}

/** Reuses `c` (whose id object is `id`) as an empty section of the given container. */
function emptiedWithId(c: ContainerDelta, id: ContainerId, kind: ContainerKind, name: string | null, replica: number, counter: number): ContainerDelta {
  id.kind = kind
  id.name = name
  id.replica = replica
  id.counter = counter
  c.inserts = NONE
  c.deletes = NONE
  c.entries = NONE
  c.counts = NONE
  c.marks = undefined
  c.moves = undefined
  return c
}

/**
 * The raw length a deflated state claims, from its header alone (no
 * inflating); undefined for any other delta or a header that does not parse
 * (decoding then says why). What a server checks against its bound for
 * client frames before it pays for inflating ([LIM-INFLATE-1]).
 */
export function deflatedStateClaim(bytes: Uint8Array): number | undefined {
  if (bytes.length < 3 || (bytes[1]! & FLAG_DEFLATE) === 0) return undefined
  try {
    const r = new Reader(bytes)
    readVersionAndFlags(r)
    return r.readVarUint()
  } catch {
    return undefined
  }
}

/**
 * Whether `bytes` announce a state, from the header alone (no decode, no
 * validation: a malformed input answers false and fails when decoded).
 */
export function isStateHeader(bytes: Uint8Array): boolean {
  return bytes.length > 1 && (bytes[1]! & FLAG_STATE) !== 0
}

/**
 * Whether an encoded delta starts with its replica table right after the two
 * header bytes: every delta but an empty one and a deflated state (whose
 * table is compressed). What the wire's connection tables rewrite ([WIRE-2]).
 */
export function replicaTableAtFront(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && (bytes[1]! & FLAG_DEFLATE) === 0
}

/**
 * The replica ids at the front of an encoded delta and where they end, for a
 * delta with `replicaTableAtFront`. Throws `WeftDecodeError` for a malformed
 * header, as `decodeDelta` would.
 */
export function frontReplicaTable(bytes: Uint8Array): { readonly ids: readonly number[]; readonly end: number } {
  const r = new Reader(bytes)
  const flags = readVersionAndFlags(r)
  const ids = readReplicaTable(r, bytes[0]!, flags)
  return { ids, end: r.pos }
}

/** [v6] Whether an encoded delta's header says its replica table is one id with no count before it. */
export function tableCountOmitted(bytes: Uint8Array): boolean {
  return bytes[0] === TERSE_FORMAT_VERSION && (bytes[1]! & FLAG_ONE_REPLICA) !== 0
}

/**
 * A replica table laid out as the delta whose header `bytes` opens with
 * has it: what rebuilds a delta sent with its table by reference ([WIRE-2]).
 */
export function writeFrontReplicaTable(w: Writer, bytes: Uint8Array, ids: readonly number[]): void {
  if (!tableCountOmitted(bytes)) w.writeVarUint(ids.length)
  const wide = bytes[0] === TERSE_FORMAT_VERSION && (bytes[1]! & FLAG_WIDE_IDS) !== 0
  for (const id of ids) {
    if (wide) w.writeUint56(id)
    else w.writeVarUint(id)
  }
}

/**
 * Where the first container's root name field starts in an encoded delta,
 * reading from `from` (just past its replica table, in whatever form that
 * table has): past the dependencies, the ranges, the container count, the
 * kind and the tag. Undefined when the delta has no container or its first
 * one is nested. What the wire names by reference ([WIRE-2]). Throws
 * `WeftDecodeError` for a malformed header.
 */
export function firstRootNameAt(bytes: Uint8Array, from: number): number | undefined {
  const r = new Reader(bytes)
  r.pos = from
  // [v5] counts the header flags say are not written, [v6] references too (the flags are checked when the delta is decoded).
  const flags = bytes[0] === DENSE_FORMAT_VERSION || bytes[0] === TERSE_FORMAT_VERSION ? bytes[1]! : 0
  const refs = flags & FLAG_ONE_REPLICA ? 0 : 1
  const nDeps = flags & FLAG_NO_DEPS ? 0 : r.readCount(2)
  for (let i = 0; i < nDeps * (1 + refs); i++) r.readVarUint()
  const nRanges = flags & FLAG_ONE_RANGE ? 1 : r.readCount(3)
  for (let i = 0; i < nRanges * (2 + refs); i++) r.readVarUint()
  if ((flags & FLAG_ONE_CONTAINER ? 1 : r.readVarUint()) === 0) return undefined
  // The kind and the tag, checked when the delta is decoded: one byte from v4 on (with section bits), two before.
  if (compactFormatOf(bytes) !== undefined) return (r.readUint8() & TAG_NESTED) === 0 ? r.pos : undefined
  r.readUint8()
  return r.readUint8() === 0 ? r.pos : undefined
}

/**
 * The dot ranges of a delta read from its header alone (the header comes
 * first; the body is not decoded): what a server checks before it joins a
 * delta ([BIND-1]) and a client before it joins one ([BIND-2]). Undefined for
 * a deflated state, whose header is compressed. Throws `WeftDecodeError` for
 * a malformed header, as `decodeDelta` would.
 */
export function readDeltaRanges(bytes: Uint8Array): DotRange[] | undefined {
  const r = new Reader(bytes)
  const flags = readVersionAndFlags(r)
  if (flags & FLAG_DEFLATE) return undefined
  return readHeader(r, bytes[0]!, flags, undefined).ranges
}

/** What follows the version and flags: the replica table, the dependencies and the dot ranges. */
interface DeltaHeader {
  readonly replicas: number[]
  readonly deps: Deps
  readonly ranges: DotRange[]
}

/**
 * Reads a delta's header past its version and flags; `readDeltaRanges` and
 * `decodeDelta` share it, so a header one accepts the other does too.
 * `reuse`: a single range is read into the scratch's.
 */
function readHeader(r: Reader, version: number, flags: number, reuse: DecodeScratch | undefined): DeltaHeader {
  const compact = version >= COMPACT_FORMAT_VERSION
  const dense = version >= DENSE_FORMAT_VERSION
  const replicas = readReplicaTable(r, version, flags)
  // [v6] with one replica, no reference is written where only it can be named.
  const one = (flags & FLAG_ONE_REPLICA) !== 0
  const nDeps = flags & FLAG_NO_DEPS ? 0 : writtenCount(r.readCount(one ? 1 : 2), dense, 0, 'dependencies')
  const deps = nDeps === 0 ? NO_DEPS : readDeps(r, replicas, nDeps, one)
  const index = compact ? depIndex(deps) : null
  const nRanges = flags & FLAG_ONE_RANGE ? 1 : writtenCount(r.readCount(3), dense, 1, 'dot ranges')
  const ranges: DotRange[] = reuse !== undefined && nRanges === 1 ? reuse.ranges : new Array<DotRange>(nRanges)
  const rangeSet = nRanges > SCAN_LIMIT ? new Set<number>() : null
  for (let i = 0; i < nRanges; i++) {
    const replica = one ? replicas[0]! : replicaAt(replicas, r.readVarUint(), false)
    const from = compact ? rangeFrom(deps, index, replica, r.readVarUint()) : r.readVarUint()
    const to = from + r.readVarUint()
    if (to > Number.MAX_SAFE_INTEGER || to === from) throw new WeftDecodeError('out-of-range', 'empty or oversized dot range')
    if (hasRangeFor(ranges, i, replica, rangeSet)) throw new WeftDecodeError('invalid', 'two dot ranges for one replica')
    rangeSet?.add(replica)
    if (ranges === reuse?.ranges) reuse.setRange(replica, from, to)
    else ranges[i] = { replica, from, to }
  }
  return { replicas, deps, ranges }
}

/** [v5] A count the header flags would have said is not written: refused, so every delta has one encoding. */
function writtenCount(n: number, dense: boolean, flagged: number, what: string): number {
  if (dense && n === flagged) throw new WeftDecodeError('invalid', `${n} ${what} written out where a header flag says it`)
  return n
}

/**
 * Decodes and validates a delta's structure. Throws `WeftDecodeError`.
 * With `scratch`, an incremental delta with one dot range and one container
 * (a remote keystroke) is decoded into reused objects: only its ops are new.
 */
export function decodeDelta(bytes: Uint8Array, scratch?: DecodeScratch, options?: DecodeOptions): DeltaData {
  let r = new Reader(bytes)
  const flags = readVersionAndFlags(r)
  const version = bytes[0] as number // checked just above
  const isState = (flags & FLAG_STATE) !== 0
  if (flags & FLAG_DEFLATE) {
    if (!isState) throw new WeftDecodeError('invalid', 'only states are deflated')
    r = inflateBody(r, options?.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES)
  }
  // States are decoded fresh: they are rare, and what their containers keep is theirs.
  const reuse = isState ? undefined : scratch
  const { replicas, deps, ranges } = readHeader(r, version, flags, reuse)
  const ctx = reuse !== undefined ? reuse.context.reset(replicas, ranges, version, flags) : new DecodeContext(replicas, ranges, version, flags)
  const dense = ctx.dense
  const nContainers = flags & FLAG_ONE_CONTAINER ? 1 : writtenCount(r.readCount(3), dense, 1, 'containers')
  const single = reuse !== undefined && nContainers === 1 ? reuse : undefined
  const containers: ContainerDelta[] = single !== undefined ? single.containers : new Array<ContainerDelta>(nContainers)
  // Duplicates: a scan for a few containers, a Set of keys past that (a
  // pairwise check made 140k empty containers take minutes).
  const seenContainers = nContainers > SCAN_LIMIT ? new ContainerIdSet() : null
  // Past a few containers, each section is read into a spare that is kept
  // only when it holds an op: an empty one costs no object ([LIMIT-EMPTY-1]).
  const spare = seenContainers !== null && single === undefined ? new SpareSection() : undefined
  let kept = 0
  let empty = 0
  for (let i = 0; i < nContainers; i++) {
    const c = readContainer(r, ctx, isState, single, scratch?.rootNames, spare)
    const text = c.id.kind === 'text'
    if (ctx.compact ? (ctx.sections & TAG_MARKS) !== 0 : version >= MARKS_FORMAT_VERSION && text) {
      const marks = readMarks(
        r,
        (ref) => ctx.replicaAt(ref, false),
        (replica, counter) => ctx.checkDots(replica, counter, 1),
      )
      if (marks.length > 0) c.marks = marks
    }
    if (ctx.compact ? (ctx.sections & TAG_MOVES) !== 0 : version >= MOVES_FORMAT_VERSION && text) {
      const moves = readMoves(
        r,
        (ref) => ctx.replicaAt(ref, false),
        (replica, counter, len) => ctx.checkDots(replica, counter, len),
      )
      if (moves.length > 0) c.moves = moves
    }
    if (seenContainers !== null) {
      if (!seenContainers.add(c.id)) throw new WeftDecodeError('invalid', 'a container appears twice')
    } else for (let j = 0; j < i; j++) if (sameContainer(containers[j]!.id, c.id)) throw new WeftDecodeError('invalid', 'a container appears twice')
    if (isEmptyContainer(c)) empty++
    if (spare === undefined) containers[i] = c
    else if (!isEmptyContainer(c)) {
      spare.take()
      containers[kept++] = c
    }
  }
  r.end()
  // A container with no ops changes nothing, and no encoder writes one
  // ([LIMIT-EMPTY-1]): it is dropped here, so joining it creates nothing (30k of
  // them cost ~200 ms to join, each a container object with its own maps
  // and keys, mostly in GC). Duplicates among them were refused above all the same.
  if (spare !== undefined) containers.length = kept
  const out = empty === 0 || spare !== undefined ? containers : empty === nContainers ? NONE : containers.filter((c) => !isEmptyContainer(c))
  if (reuse === undefined) return empty === 0 ? { isState, deps, ranges, containers: out } : { isState, deps, ranges, containers: out, droppedEmpty: empty }
  const data = reuse.data
  data.deps = deps
  data.ranges = ranges
  data.containers = out
  // Always written, 0 when none: a `delete` here cost a runtime call per remote keystroke.
  data.droppedEmpty = empty
  return data
}

/**
 * The section being read when a delta lists many containers: refilled for
 * each one while they come empty, replaced by a fresh one when kept.
 */
class SpareSection {
  private id: ContainerId = { kind: 'text', name: null, replica: 0, counter: 0 }
  private c: ContainerDelta = newContainerDelta(this.id)

  /** The spare, emptied, with its id set to these values. */
  containerWithId(kind: ContainerKind, name: string | null, replica: number, counter: number): ContainerDelta {
    // A state's sequence section has a getter for its inserts: start over rather than undo it.
    if (this.c.columns !== undefined) this.take()
    return emptiedWithId(this.c, this.id, kind, name, replica, counter)
  }

  /** The current section is kept: the next one gets new objects. */
  take(): void {
    this.id = { kind: 'text', name: null, replica: 0, counter: 0 }
    this.c = newContainerDelta(this.id)
  }
}

/** No op of any kind. A state's sequence is read from its columns (its `inserts` getter would build ops from them). */
function isEmptyContainer(c: ContainerDelta): boolean {
  if (c.columns !== undefined ? c.columns.n > 0 : c.inserts.length > 0) return false
  return (
    c.deletes.length === 0 &&
    c.entries.length === 0 &&
    c.counts.length === 0 &&
    (c.marks === undefined || c.marks.length === 0) &&
    (c.moves === undefined || c.moves.length === 0)
  )
}

/**
 * Container ids seen so far: nested ones by replica, then counter (number
 * keys: a string key per container was most of decoding 140k of them),
 * roots by kind and name.
 */
class ContainerIdSet {
  private readonly nested = new Map<number, Set<number>>()
  private readonly roots = new Set<string>()

  /** Adds `id`; false when it was already there. */
  add(id: ContainerId): boolean {
    if (id.name !== null) {
      const key = containerKey(id)
      if (this.roots.has(key)) return false
      this.roots.add(key)
      return true
    }
    let counters = this.nested.get(id.replica)
    if (counters === undefined) this.nested.set(id.replica, (counters = new Set()))
    if (counters.has(id.counter)) return false
    counters.add(id.counter)
    return true
  }
}

function readDeps(r: Reader, replicas: number[], n: number, one: boolean): Deps {
  const ids: number[] = new Array<number>(n)
  const counters: number[] = new Array<number>(n)
  const seen = n > SCAN_LIMIT ? new Set<number>() : null
  for (let i = 0; i < n; i++) {
    const replica = one ? replicas[0]! : replicaAt(replicas, r.readVarUint(), false)
    if (seen !== null ? seen.has(replica) : indexOfReplica(ids, i, replica) >= 0) {
      throw new WeftDecodeError('invalid', 'two dependencies on one replica')
    }
    seen?.add(replica)
    ids[i] = replica
    counters[i] = r.readVarUint()
  }
  return { replicas: ids, counters }
}

/**
 * [v4] A range's `from` from its field: counted from the delta's dependency
 * on the same replica, if any (`index`: the dependencies by replica, for a
 * long list; a scan otherwise, with nothing allocated per delta).
 */
function rangeFrom(deps: Deps, index: Map<number, number> | null, replica: number, field: number): number {
  // (An index of -1 would be a slow named-property lookup on the array, not undefined for free.)
  const i = index === null ? deps.replicas.indexOf(replica) : -1
  const base = index !== null ? (index.get(replica) ?? 0) : i >= 0 ? deps.counters[i]! : 0
  const from = base + field
  if (from > Number.MAX_SAFE_INTEGER) throw new WeftDecodeError('out-of-range', 'oversized dot range')
  return from
}

/** [v4] The dependencies by replica, when there are too many for a scan. */
function depIndex(deps: Deps): Map<number, number> | null {
  return deps.replicas.length > SCAN_LIMIT ? new Map(deps.replicas.map((id, i) => [id, deps.counters[i]!])) : null
}

/** Whether one of the first `count` ranges is `replica`'s (a scan, or the caller's set for long lists). */
function hasRangeFor(ranges: DotRange[], count: number, replica: number, set: Set<number> | null): boolean {
  if (set !== null) return set.has(replica)
  for (let j = 0; j < count; j++) if (ranges[j]!.replica === replica) return true
  return false
}

function indexOfReplica(replicas: number[], count: number, id: number): number {
  for (let i = 0; i < count; i++) if (replicas[i] === id) return i
  return -1
}

/** The replica id a table reference names; 0 only where "none" is allowed. */
function replicaAt(replicas: number[], ref: number, allowNone: boolean): number {
  if (ref === 0) {
    if (allowNone) return 0
    throw new WeftDecodeError('invalid', 'missing replica reference')
  }
  const id = replicas[ref - 1]
  if (id === undefined) throw new WeftDecodeError('out-of-range', `replica reference ${ref} past the table (${replicas.length})`)
  return id
}

function sameContainer(a: ContainerId, b: ContainerId): boolean {
  return a.name !== null ? a.kind === b.kind && a.name === b.name : b.name === null && a.replica === b.replica && a.counter === b.counter
}

const NONE = Object.freeze([]) as unknown as never[]

/**
 * The replica table and declared dots of the delta being decoded. One object
 * with methods rather than closures: decoding runs once per remote keystroke.
 */
class DecodeContext {
  private rangeIndex: Map<number, DotRange> | null = null
  private rangeIndexOf: DotRange[] | null = null
  /** The range `dot` found for the op being read, so `checkOwnDots` need not look it up again. */
  private opRange: DotRange | undefined = undefined
  /** [v4] The section bits of the container id read last. */
  sections = 0
  /** [v5] The counter the next op is expected at (with one dot range). */
  private expNext = 0
  /** Counters are v4's relative ones. */
  compact = false
  /** Ops are v5's dense ones. */
  dense = false
  /** [v6] Deletes open with the unit-ranges bit. */
  terse = false
  /** [v6] The table holds one replica, which references that can only name it leave out. */
  one = false
  /** [v6] The one container holds one op, with no count. */
  oneOp = false
  /** [v6] The delta has one container, so a count of its only op section that is 1 belongs in the one-op flag. */
  oneContainer = false
  /** [v6] The container being read has one op section (so its count of 1 is the one-op flag's to say). */
  soleSection = false

  constructor(
    private replicas: number[],
    private ranges: DotRange[],
    version: number,
    flags: number,
  ) {
    this.reset(replicas, ranges, version, flags)
  }

  /** Points a reused context at another delta's table, ranges, format version and header flags. */
  reset(replicas: number[], ranges: DotRange[], version: number, flags: number): this {
    this.replicas = replicas
    this.ranges = ranges
    this.compact = version >= COMPACT_FORMAT_VERSION
    this.dense = version >= DENSE_FORMAT_VERSION
    this.terse = version === TERSE_FORMAT_VERSION
    this.one = (flags & FLAG_ONE_REPLICA) !== 0
    this.oneOp = (flags & FLAG_ONE_OP) !== 0
    this.oneContainer = (flags & FLAG_ONE_CONTAINER) !== 0
    this.soleSection = false
    this.sections = 0
    this.opRange = undefined
    this.expNext = ranges.length === 1 ? ranges[0]!.from + 1 : 0
    return this
  }

  /** [v5] The replica of an op whose dot was left out: the only range's. Call before {@link expectedDot}. */
  expectedReplica(): number {
    if (this.ranges.length !== 1) throw new WeftDecodeError('invalid', 'an op without its dot in a delta without exactly one dot range')
    return this.ranges[0]!.replica
  }

  /** [v5] The counter of an op whose dot was left out; finds its range for {@link checkOwnDots}. */
  expectedDot(): number {
    this.opRange = this.ranges[0]
    return this.expNext
  }

  /** [v5] After an op at `counter` with `len` dots: the next is expected just past them. */
  passed(counter: number, len: number): void {
    this.expNext = counter + len
  }

  /**
   * An op's own counter from its field (v4: past its replica's range start).
   * Finds the op's range for {@link checkOwnDots}, which must follow.
   */
  dot(replica: number, field: number): number {
    const range = this.rangeOf(replica)
    this.opRange = range
    if (!this.compact) return field
    if (range === undefined) throw new WeftDecodeError('invalid', `op of replica ${replica} outside the delta's declared dots`)
    return range.from + 1 + field
  }

  /** A counter the op at (`opReplica`, `opCounter`) refers to, from its field (v4: back from the op's own, for its own replica). */
  ref(opReplica: number, opCounter: number, replica: number, field: number): number {
    if (!this.compact || replica !== opReplica || opReplica === 0) return field
    if (field === 0 || field >= opCounter) throw new WeftDecodeError('invalid', `reference ${field} back from ${opReplica}:${opCounter} is not a dot`)
    return opCounter - field
  }

  private rangeOf(replica: number): DotRange | undefined {
    const ranges = this.ranges
    if (ranges.length > SCAN_LIMIT) {
      if (this.rangeIndex === null || this.rangeIndexOf !== ranges) {
        this.rangeIndex = new Map(ranges.map((x) => [x.replica, x]))
        this.rangeIndexOf = ranges
      }
      return this.rangeIndex.get(replica)
    }
    for (let i = 0; i < ranges.length; i++) if (ranges[i]!.replica === replica) return ranges[i]
    return undefined
  }

  /** The replica id a table reference names; 0 only where "none" is allowed. */
  replicaAt(ref: number, allowNone: boolean): number {
    return replicaAt(this.replicas, ref, allowNone)
  }

  /**
   * [v5] An op section's count; [v6] 1 without reading when the one-op
   * flag says so, and a written 1 the flag would have said is refused.
   */
  readOpCount(r: Reader, minBytesPerOp: number): number {
    if (this.oneOp) return 1
    const n = r.readCount(minBytesPerOp)
    if (n === 1 && this.terse && this.soleSection) throw new WeftDecodeError('invalid', 'a count of one op written out where the one-op flag says it')
    return n
  }

  /** A reference that must name a replica, read ([v6]: left out with one replica, which it then names). */
  readReplica(r: Reader): number {
    return this.one ? this.replicas[0]! : replicaAt(this.replicas, r.readVarUint(), false)
  }

  /** Every dot an op claims must be one the delta declares. */
  checkDots(replica: number, counter: number, len: number): void {
    // A state of a doc many replicas wrote indexes its ranges once (see rangeOf).
    checkInRange(this.rangeOf(replica), replica, counter, len)
  }

  /** {@link checkDots} for the op whose counter `dot` read last, against the range it found. */
  checkOwnDots(replica: number, counter: number, len: number): void {
    checkInRange(this.opRange, replica, counter, len)
  }
}

function checkInRange(range: DotRange | undefined, replica: number, counter: number, len: number): void {
  // Lengths past MAX_SPAN_LEN fit no sequence (its columns are 32-bit); no real edit comes near.
  if (!range || counter <= range.from || counter + len - 1 > range.to || len < 1 || len > MAX_SPAN_LEN) {
    throw new WeftDecodeError('invalid', `op ${replica}:${counter} (+${len}) outside the delta's declared dots`)
  }
}

/**
 * The root names a document read last. Nearly every delta names the same
 * root or two (a text and a map beside it) as the ones before it, so those
 * strings are handed out again instead of new ones per delta, which also
 * spares hashing them for the root lookup. A cache of immutable values only:
 * it changes no result. Kept per {@link DecodeScratch}, so per document.
 */
export class RecentRootNames {
  private readonly names = ['', '', '', '']
  private next = 0

  read(r: Reader): string {
    const names = this.names
    for (let i = 0; i < names.length; i++) {
      const same = r.readStringIfSame(names[i]!)
      if (same !== undefined) return same
    }
    const name = r.readString(MAX_KEY_BYTES)
    names[this.next] = name
    this.next = (this.next + 1) % names.length
    return name
  }
}

/** Empty sections share one frozen empty array; the others are allocated at their final size. */
function newContainerDelta(id: ContainerId): ContainerDelta {
  return { id, inserts: NONE, deletes: NONE, entries: NONE, counts: NONE }
}

function readKind(r: Reader): ContainerKind {
  return kindOf(r.readUint8())
}

function kindOf(code: number): ContainerKind {
  const kind = KIND_BY_CODE[code]
  if (kind === undefined) throw new WeftDecodeError('unknown-kind', `unknown container kind ${code}`)
  return kind
}

/** `reuse`: the delta's only container, decoded into the scratch's objects. */
function readContainer(
  r: Reader,
  ctx: DecodeContext,
  isState: boolean,
  reuse: DecodeScratch | undefined,
  rootNames: RecentRootNames | undefined,
  spare: SpareSection | undefined,
): ContainerDelta {
  let kind: ContainerKind
  let tag: number
  let opSections = 0
  if (ctx.compact) {
    // [v4] kind and tag in one byte: the section bits, then the nested bit as before.
    const head = r.readUint8()
    kind = kindOf(ctx.dense ? (head & KIND_BITS) >> 3 : head >> 3)
    ctx.sections = head & (TAG_MARKS | TAG_MOVES)
    if (ctx.sections !== 0 && kind !== 'text') throw new WeftDecodeError('invalid', `a ${kind} container with text sections`)
    // [v5] which op sections follow.
    opSections = ctx.dense ? head & (SECTION_INSERTS | SECTION_DELETES) : 0
    if (opSections !== 0 && kind !== 'text' && kind !== 'list') throw new WeftDecodeError('invalid', `a ${kind} container with sequence sections`)
    // [v6] the one-op flag needs the op in one section; one section's count of 1 is that flag's.
    const oneSection = kind === 'text' || kind === 'list' ? opSections === SECTION_INSERTS || opSections === SECTION_DELETES : true
    if (ctx.oneOp && !oneSection) throw new WeftDecodeError('invalid', 'one op flagged in a container without exactly one op section')
    ctx.soleSection = ctx.oneContainer && oneSection
    tag = head & TAG_NESTED
  } else {
    kind = readKind(r)
    tag = r.readUint8()
  }
  let c: ContainerDelta
  if (tag === 0) {
    const name = rootNames !== undefined ? rootNames.read(r) : r.readString()
    const into = reuse ?? spare
    c = into !== undefined ? into.containerWithId(kind, name, 0, 0) : newContainerDelta({ kind, name, replica: 0, counter: 0 })
  } else if (tag === 1) {
    const replica = ctx.readReplica(r)
    const counter = r.readVarUint()
    if (counter === 0) throw new WeftDecodeError('invalid', 'nested container with counter 0')
    const into = reuse ?? spare
    c = into !== undefined ? into.containerWithId(kind, null, replica, counter) : newContainerDelta({ kind, name: null, replica, counter })
  } else {
    throw new WeftDecodeError('unknown-kind', `unknown container id tag ${tag}`)
  }
  if (isState && (kind === 'text' || kind === 'list')) {
    const cols = readSequenceColumns(
      r,
      kind === 'text',
      (ref, none) => ctx.replicaAt(ref, none),
      readItem,
      (replica, counter, len) => ctx.checkDots(replica, counter, len),
    )
    attachColumns(c, cols)
  } else if (ctx.dense) {
    readDenseOps(r, c, kind, ctx, opSections, reuse)
  } else if (kind === 'text' || kind === 'list') {
    // The smallest insert is a tombstone with no origins: replica, counter,
    // length, two origin refs and its flags (in v4 the flags ride in the length).
    const nInserts = r.readCount(ctx.compact ? 5 : 6)
    if (nInserts > 0) c.inserts = reuse !== undefined && nInserts === 1 ? reuse.oneInsert : new Array<InsertOp>(nInserts)
    for (let i = 0; i < nInserts; i++) c.inserts[i] = readInsert(r, kind, ctx)
    const nDeletes = r.readCount(2)
    if (nDeletes > 0) c.deletes = new Array<DeleteOp>(nDeletes)
    for (let i = 0; i < nDeletes; i++) {
      const replica = ctx.replicaAt(r.readVarUint(), true)
      const counter = replica === 0 ? 0 : ctx.dot(replica, r.readVarUint())
      if (replica !== 0) ctx.checkOwnDots(replica, counter, 1)
      const n = r.readCount(3)
      const ranges: IdRange[] = new Array<IdRange>(n)
      for (let j = 0; j < n; j++) {
        const target = ctx.replicaAt(r.readVarUint(), false)
        const start = ctx.ref(replica, counter, target, r.readVarUint())
        const len = r.readVarUint()
        if (start === 0 || len === 0 || start + len > Number.MAX_SAFE_INTEGER) {
          throw new WeftDecodeError('out-of-range', 'bad delete range')
        }
        ranges[j] = { replica: target, counter: start, len }
      }
      c.deletes[i] = { replica, counter, ranges } satisfies DeleteOp
    }
  } else if (kind === 'map') {
    const n = r.readCount(5)
    if (n > 0) c.entries = new Array<MapEntryOp>(n)
    for (let i = 0; i < n; i++) {
      const key = r.readString(MAX_KEY_BYTES)
      const replica = ctx.replicaAt(r.readVarUint(), false)
      const counter = ctx.dot(replica, r.readVarUint())
      ctx.checkOwnDots(replica, counter, 1)
      const lamport = r.readVarUint()
      c.entries[i] = { key, replica, counter, lamport, value: readValueOp(r) } satisfies MapEntryOp
    }
  } else readCounts(r, c, ctx)
  return c
}

/** A counter's ops, the same from v1 on (in v5 each also moves the expected dot past it). */
function readCounts(r: Reader, c: ContainerDelta, ctx: DecodeContext): void {
  // The smallest: a table reference ([v6]: none with one replica), the counter field and the total.
  const n = ctx.readOpCount(r, ctx.one ? 2 : 3)
  if (n > 0) c.counts = new Array<CounterOp>(n)
  for (let i = 0; i < n; i++) {
    const replica = ctx.readReplica(r)
    const counter = ctx.dot(replica, r.readVarUint())
    ctx.checkOwnDots(replica, counter, 1)
    ctx.passed(counter, 1)
    c.counts[i] = { replica, counter, total: r.readVarInt() } satisfies CounterOp
  }
}

/** [v5] A container's ops, each dot left out read as the expected one. `sections`: the id byte's op section bits. */
function readDenseOps(r: Reader, c: ContainerDelta, kind: ContainerKind, ctx: DecodeContext, sections: number, reuse: DecodeScratch | undefined): void {
  if (kind === 'text' || kind === 'list') {
    // The smallest insert is a tombstone at the expected dot with no origins: its opening and two origin refs.
    const nInserts = sections & SECTION_INSERTS ? sectionCount(ctx.readOpCount(r, 3)) : 0
    if (nInserts > 0) c.inserts = reuse !== undefined && nInserts === 1 ? reuse.oneInsert : new Array<InsertOp>(nInserts)
    for (let i = 0; i < nInserts; i++) c.inserts[i] = readDenseInsert(r, kind, ctx)
    const nDeletes = sections & SECTION_DELETES ? sectionCount(ctx.readOpCount(r, 1)) : 0
    if (nDeletes > 0) c.deletes = new Array<DeleteOp>(nDeletes)
    for (let i = 0; i < nDeletes; i++) c.deletes[i] = readDenseDelete(r, ctx)
  } else if (kind === 'map') {
    // The smallest entry: an empty key, the lamport field and a one-byte value.
    const n = ctx.readOpCount(r, 3)
    if (n > 0) c.entries = new Array<MapEntryOp>(n)
    for (let i = 0; i < n; i++) {
      const key = r.readString(MAX_KEY_BYTES)
      const field = r.readVarUint()
      const follows = field & ENTRY_DOT_FOLLOWS
      const lamport = (field - follows) / 2
      const replica = follows ? ctx.readReplica(r) : ctx.expectedReplica()
      const counter = follows ? ctx.dot(replica, r.readVarUint()) : ctx.expectedDot()
      ctx.checkOwnDots(replica, counter, 1)
      ctx.passed(counter, 1)
      c.entries[i] = { key, replica, counter, lamport, value: readDenseValueOp(r) } satisfies MapEntryOp
    }
  } else readCounts(r, c, ctx)
}

/** [v5] A section the id byte announced holds an op: no encoder writes an empty one. */
function sectionCount(n: number): number {
  if (n === 0) throw new WeftDecodeError('invalid', 'an op section announced but empty')
  return n
}

function readDenseInsert(r: Reader, kind: 'text' | 'list', ctx: DecodeContext): InsertOp {
  const opening = r.readVarUint()
  // Low bits by `&` (exact for any safe integer's low bits); the length by exact division.
  const flags = opening & 7
  const len = (opening - flags) / 8
  const follows = (flags & INSERT_DOT_FOLLOWS) !== 0
  const replica = follows ? ctx.readReplica(r) : ctx.expectedReplica()
  const counter = follows ? ctx.dot(replica, r.readVarUint()) : ctx.expectedDot()
  ctx.checkOwnDots(replica, counter, len)
  ctx.passed(counter, len)
  const op = insertWithOrigins(r, ctx, replica, counter, len)
  const ascii = (flags & INSERT_ASCII) !== 0
  if (flags & INSERT_DELETED) {
    if (ascii) throw new WeftDecodeError('invalid', 'ASCII flag on a tombstone')
    op.deleted = true
  } else if (kind === 'list' && ctx.terse) {
    // [v6] the ASCII bit of text is the integers bit of a list.
    op.content = ascii ? readInts(r, len) : readNotAllInts(r, len)
  } else {
    if (ascii && kind !== 'text') throw new WeftDecodeError('invalid', 'ASCII flag on a list insert')
    op.content = readContent(r, kind, len, ascii, readDenseItem)
  }
  return op
}

function readDenseDelete(r: Reader, ctx: DecodeContext): DeleteOp {
  const opening = r.readVarUint()
  const follows = opening & DELETE_DOT_FOLLOWS
  // [v6] ranges * 4 with the unit-ranges bit; [v5] ranges * 2.
  const unit = ctx.terse && (opening & DELETE_UNIT_RANGES) !== 0
  const n = ctx.terse ? (opening - (opening & 3)) / 4 : (opening - follows) / 2
  let replica: number
  let counter: number
  if (follows) {
    replica = ctx.replicaAt(r.readVarUint(), true)
    counter = replica === 0 ? 0 : ctx.dot(replica, r.readVarUint())
  } else {
    replica = ctx.expectedReplica()
    counter = ctx.expectedDot()
  }
  if (replica !== 0) {
    ctx.checkOwnDots(replica, counter, 1)
    ctx.passed(counter, 1)
  }
  // A range: its reference ([v6]: none with one replica), its start, its length ([v6]: none when unit).
  const perRange = 1 + (ctx.one ? 0 : 1) + (unit ? 0 : 1)
  if (n * perRange > r.remaining) throw new WeftDecodeError('out-of-range', `count ${n} exceeds what ${r.remaining} remaining bytes can hold`)
  if (unit && n === 0) throw new WeftDecodeError('invalid', 'unit ranges flagged on a delete of none')
  const ranges: IdRange[] = new Array<IdRange>(n)
  let units = 0
  for (let j = 0; j < n; j++) {
    const target = ctx.readReplica(r)
    const start = ctx.ref(replica, counter, target, r.readVarUint())
    const len = unit ? 1 : r.readVarUint()
    if (start === 0 || len === 0 || start + len > Number.MAX_SAFE_INTEGER) throw new WeftDecodeError('out-of-range', 'bad delete range')
    if (len === 1) units++
    ranges[j] = { replica: target, counter: start, len }
  }
  if (ctx.terse && !unit && n > 0 && units === n) throw new WeftDecodeError('invalid', 'unit ranges written out where the unit-ranges bit says them')
  return { replica, counter, ranges }
}

/** [v6] `len` list items that are integers, each a zig-zag varint with no tag. */
function readInts(r: Reader, len: number): number[] {
  if (len > r.remaining) throw new WeftDecodeError('out-of-range', `list insert of ${len} items past the end`)
  const items: number[] = new Array<number>(len)
  for (let i = 0; i < len; i++) items[i] = r.readVarInt()
  return items
}

/** [v6] `len` tagged list items, of which one at least is not an integer (else the integers bit says them). */
function readNotAllInts(r: Reader, len: number): unknown[] {
  const items = readContent(r, 'list', len, false, readDenseItem) as unknown[]
  if (items.every(isJsonInt)) throw new WeftDecodeError('invalid', 'a list of integers written with tags where the integers bit says them')
  return items
}

/** [v5] A list item: a JSON value (its own tag first) or a nested container's tag. */
function readDenseItem(r: Reader): unknown {
  const tag = r.peekUint8()
  if (tag <= MAX_JSON_TAG) return readJson(r)
  r.pos++
  if (tag > VALUE_CONTAINER && tag < VALUE_DELETED) return containerPlaceholder(kindOf(tag - VALUE_CONTAINER))
  throw new WeftDecodeError('unknown-kind', `unknown list item tag ${tag}`)
}

/** [v5] A map entry's value: tagged as {@link readDenseItem} reads, or deleted. */
function readDenseValueOp(r: Reader): StoredValueOp {
  const tag = r.peekUint8()
  if (tag <= MAX_JSON_TAG) return { type: 'json', value: readJson(r) }
  r.pos++
  if (tag > VALUE_CONTAINER && tag < VALUE_DELETED) return { type: 'container', kind: kindOf(tag - VALUE_CONTAINER) }
  if (tag === VALUE_DELETED) return { type: 'deleted' }
  throw new WeftDecodeError('unknown-kind', `unknown map value tag ${tag}`)
}

/**
 * Gives a state's container its decoded columns. Its `inserts` are built
 * from them only if something asks (a state joined into a non-empty
 * sequence); loading into an empty one reads the columns alone.
 */
function attachColumns(c: ContainerDelta, cols: SequenceColumns): void {
  let ops: InsertOp[] | undefined
  c.columns = cols
  Object.defineProperty(c, 'inserts', {
    get: () => (ops ??= columnsToOps(cols)),
    set: (value: InsertOp[]) => {
      ops = value
    },
    enumerable: true,
  })
}

function readInsert(r: Reader, kind: 'text' | 'list', ctx: DecodeContext): InsertOp {
  const replica = ctx.replicaAt(r.readVarUint(), false)
  const counter = ctx.dot(replica, r.readVarUint())
  // [v4] the deleted flag is the length field's low bit.
  const lenField = r.readVarUint()
  // Integer halving: `Math.floor(x / 2)` made a double of a small length, and every op object after it slower.
  const len = !ctx.compact ? lenField : lenField <= 0x7fffffff ? lenField >> 1 : Math.floor(lenField / 2)
  ctx.checkOwnDots(replica, counter, len)
  const op = insertWithOrigins(r, ctx, replica, counter, len)
  const flags = ctx.compact ? lenField - len * 2 : r.readUint8()
  if (flags & ~INSERT_DELETED) throw new WeftDecodeError('invalid', `unknown insert flags ${flags}`)
  if (flags & INSERT_DELETED) op.deleted = true
  else op.content = readContent(r, kind, len, false, readItem)
  return op
}

/**
 * An insert op from its dot and length and the origins read here (a table
 * ref each, then its counter unless none; [v6] with one replica one field
 * each): live, no content
 * yet. The caller sets `deleted` or `content`.
 */
function insertWithOrigins(r: Reader, ctx: DecodeContext, replica: number, counter: number, len: number): InsertOp {
  if (ctx.one) {
    // [v6] one replica: each origin one field, 0 for none or back from the op.
    const ol = r.readVarUint()
    const or = r.readVarUint()
    const olCounter = ol === 0 ? 0 : ctx.ref(replica, counter, replica, ol)
    const orCounter = or === 0 ? 0 : ctx.ref(replica, counter, replica, or)
    return { replica, counter, len, olReplica: ol === 0 ? 0 : replica, olCounter, orReplica: or === 0 ? 0 : replica, orCounter, deleted: false, content: null }
  }
  const olReplica = ctx.replicaAt(r.readVarUint(), true)
  const olCounter = olReplica === 0 ? 0 : ctx.ref(replica, counter, olReplica, r.readVarUint())
  const orReplica = ctx.replicaAt(r.readVarUint(), true)
  const orCounter = orReplica === 0 ? 0 : ctx.ref(replica, counter, orReplica, r.readVarUint())
  if ((olReplica !== 0 && olCounter === 0) || (orReplica !== 0 && orCounter === 0)) {
    throw new WeftDecodeError('invalid', 'origin with counter 0')
  }
  return { replica, counter, len, olReplica, olCounter, orReplica, orCounter, deleted: false, content: null }
}

/** A live insert's content: `len` bytes of ASCII ([v5]'s flag), a string of `len` units, or `len` list items read by `item`. */
function readContent(r: Reader, kind: 'text' | 'list', len: number, ascii: boolean, item: (r: Reader) => unknown): string | unknown[] {
  if (ascii) return r.readAscii(len)
  if (kind === 'text') {
    const s = r.readString()
    if (s.length !== len) throw new WeftDecodeError('invalid', `text insert declares ${len} items but holds ${s.length}`)
    return s
  }
  if (len > r.remaining) throw new WeftDecodeError('out-of-range', `list insert of ${len} items past the end`)
  const items: unknown[] = new Array(len)
  for (let i = 0; i < len; i++) items[i] = item(r)
  return items
}

function readItem(r: Reader): unknown {
  const tag = r.readUint8()
  if (tag === ValueTag.Json) return readJson(r)
  if (tag === ValueTag.Container) return containerPlaceholder(readKind(r))
  throw new WeftDecodeError('unknown-kind', `unknown list item tag ${tag}`)
}

function readValueOp(r: Reader): StoredValueOp {
  const tag = r.readUint8()
  if (tag === ValueTag.Json) return { type: 'json', value: readJson(r) }
  if (tag === ValueTag.Container) return { type: 'container', kind: readKind(r) }
  if (tag === ValueTag.Deleted) return { type: 'deleted' }
  throw new WeftDecodeError('unknown-kind', `unknown map value tag ${tag}`)
}

/** The format version and flags that open every delta; throws on an unknown version or flag. */
function readVersionAndFlags(r: Reader): number {
  const version = r.readUint8()
  if (version < PLAIN_FORMAT_VERSION || version > DELTA_FORMAT_VERSION) {
    throw new WeftDecodeError('bad-version', `unknown delta format version ${version} (this build reads ${DELTA_FORMAT_VERSION})`)
  }
  const flags = r.readUint8()
  const known = FLAG_STATE | FLAG_DEFLATE | (version === TERSE_FORMAT_VERSION ? TERSE_HEADER_FLAGS : version === DENSE_FORMAT_VERSION ? DENSE_HEADER_FLAGS : 0)
  if (flags & ~known) throw new WeftDecodeError('invalid', `unknown delta flags ${flags}`)
  if (flags & FLAG_ONE_OP && !(flags & FLAG_ONE_CONTAINER)) throw new WeftDecodeError('invalid', 'one op flagged without one container')
  return flags
}

/**
 * The replica table: nonzero, distinct ids. Allocated at its final size (the
 * count is checked against the input first); duplicates found by a scan for
 * the usual one or two entries, a Set for big tables.
 */
function readReplicaTable(r: Reader, version: number, flags: number): number[] {
  const terse = version === TERSE_FORMAT_VERSION
  const wide = (flags & FLAG_WIDE_IDS) !== 0
  // [v6] one replica: the count is the flag's.
  const nReplicas = flags & FLAG_ONE_REPLICA ? 1 : writtenCount(r.readCount(wide ? 7 : 1), terse, 1, 'replica')
  const replicas: number[] = new Array<number>(nReplicas)
  const seen = nReplicas > SCAN_LIMIT ? new Set<number>() : null
  let narrow = false
  for (let i = 0; i < nReplicas; i++) {
    const id = wide ? r.readUint56() : r.readVarUint()
    const duplicate = seen !== null ? seen.has(id) : indexOfReplica(replicas, i, id) >= 0
    if (id === 0 || duplicate) throw new WeftDecodeError('invalid', 'replica table holds 0 or a duplicate')
    if (id < MIN_WIDE_ID) narrow = true
    seen?.add(id)
    replicas[i] = id
  }
  // [v6] 7-byte ids exactly when every id would take 8 as a varint.
  if (wide && narrow) throw new WeftDecodeError('invalid', 'a replica id under 2^49 in 7 bytes')
  if (terse && !wide && !narrow && nReplicas > 0) throw new WeftDecodeError('invalid', 'replica ids of 8 varint bytes where the wide-id flag says 7')
  return replicas
}
