import { WeftCounter } from '../containers/counter.js'
import type { Container, ContainerByKind } from '../containers/container.js'
import type { DocCore } from '../containers/doc-core.js'
import type { ContainerId, ContainerKind } from '../containers/kind.js'
import { WeftList } from '../containers/list.js'
import { WeftMap } from '../containers/map.js'
import { WeftText } from '../containers/text.js'
import {
  COMPACT_FORMAT_VERSION,
  DENSE_FORMAT_VERSION,
  TERSE_FORMAT_VERSION,
  type CompactFormat,
  DecodeScratch,
  MOVES_FORMAT_VERSION,
  decodeDelta,
  encodeDelta,
  type DecodeOptions,
  type WritableDeltaFormat,
} from '../delta/codec.js'
import { deltaInfo, withCanonical, type AppliedDeltaInfo } from '../delta/inspect.js'
import { WeftDepthError, WeftRootKindError } from '../errors.js'
import { MAX_CONTAINER_DEPTH, checkKeyLength } from '../limits.js'
import { validateNesting } from './nesting.js'
import { docToJSON } from '../containers/to-json.js'
import { LocalDeltaEncoder } from '../delta/local-delta.js'
import { NO_DEPS, type DeltaData, type Deps } from '../delta/types.js'
import { isValidReplicaId, randomReplicaId } from '../ids.js'
import type { IdRange } from '../sequence/sequence.js'
import { encodeVersionVector, type VersionVector } from '../version-vector.js'
import { integrateDelta } from './integrate.js'
import { validateDelta, type InsertOrders } from './validate.js'
import { CausalBuffer } from './causal-buffer.js'
import { computeDigest, withMarks } from './digest.js'
import { Emitter } from './emitter.js'
import { buildDeltaSince, buildState } from './encode.js'
import { DocState } from './state.js'
import { Transaction } from './transaction.js'
import { TextEditLog, type TextDelta } from '../text/text-delta.js'

const ROOT_KINDS: readonly ContainerKind[] = ['text', 'list', 'map', 'counter']

export interface DocOptions {
  /** Replica id for this instance (random non-zero < 2^53 by default). Never share one between live instances. */
  replicaId?: number
  /** Most deltas the causal buffer holds before `applyDelta` throws (default 10,000). */
  maxPendingDeltas?: number
  /** Most bytes the causal buffer holds before `applyDelta` throws (default 64 MiB). */
  maxPendingBytes?: number
  /**
   * Delete ops remembered with their dots so peers get exact deletes
   * (default 1024). A peer further behind than that gets every tombstone.
   */
  maxDeleteLog?: number
  /** Most bytes a deflated state may inflate to (default 64 MiB); more is refused with `WeftDecodeError` 'too-large'. */
  maxInflatedBytes?: number
  /**
   * Deepest container nesting, locally and in what is applied (default
   * `MAX_CONTAINER_DEPTH`, 256); deeper throws `WeftDepthError`. Every walk
   * over the tree is iterative whatever this is.
   */
  maxContainerDepth?: number
  /**
   * The delta format this replica writes its edits in (default 6, terse:
   * a typed character is 21 bytes, 26 in v5, 33 in v4 and 35 in v3). Builds
   * before v6 refuse a v6 delta with `WeftDecodeError` 'bad-version': while
   * some peers still run one, give the upgraded ones `deltaFormat: 5` (4 or
   * 3 for builds before v5 or v4; servers go first: a server reads every version).
   * States are written in v1–v3 either way.
   */
  deltaFormat?: WritableDeltaFormat
}

/** Emitted after every change, local or remote. */
export interface ChangeEvent {
  origin: unknown
  /** True for this replica's own transactions. */
  local: boolean
  /** The containers whose content changed. */
  containers: ReadonlySet<Container>
  /**
   * How `text` changed in this event, as a delta over its content before it
   * (retain / insert / delete; inserts carry their marks, a retain with
   * attributes says which marks changed there). Null when `text` did not
   * change. What a binding applies to an editor instead of re-reading the text.
   *
   * @example
   * doc.on('change', (e) => {
   *   const delta = e.textDelta(body)
   *   if (delta !== null) editor.apply(delta) // [{ retain: 5 }, { insert: '!' }]
   * })
   */
  textDelta(text: WeftText): TextDelta | null
}

/** @internal What an undo manager learns about each local transaction. */
export interface LocalTransactionEvent {
  origin: unknown
  transaction: Transaction
}

type DocEvents = {
  delta: [delta: Uint8Array, origin: unknown]
  change: [event: ChangeEvent]
  /** @internal */
  transaction: [event: LocalTransactionEvent]
}

/**
 * A replicated document: a tree of containers under named roots.
 *
 * @example
 * const a = new Doc()
 * const b = new Doc()
 * a.on('delta', (delta) => b.applyDelta(delta))
 * a.getText('body').insert(0, 'hi')
 * b.getText('body').toString() // 'hi'
 */
export class Doc implements DocCore {
  /** This replica's id, or 0 until `replicaId` first draws one. */
  private id: number
  /** @internal */
  readonly state = new DocState()
  private readonly events = new Emitter<DocEvents>(['delta', 'change', 'transaction'])
  private readonly buffer: CausalBuffer
  private tx: Transaction | null = null
  // Both made on first use: a doc that is only loaded and read (most of what
  // a server holds) needs neither, and together they were half a kilobyte.
  /** Reused for encoding local deltas: one keystroke should allocate only its delta's bytes. */
  private localEncoder: LocalDeltaEncoder | undefined
  /** Reused for decoding remote deltas (see `applyDelta` for what may not keep them). */
  private decodeScratch: DecodeScratch | undefined
  private readonly decodeOptions: DecodeOptions
  private readonly maxDepth: number
  /** The format of local deltas: v4 or v5, or undefined for v1–v3. */
  private readonly localFormat: CompactFormat | undefined

  constructor(options: DocOptions = {}) {
    const id = options.replicaId
    if (id !== undefined && !isValidReplicaId(id)) throw new RangeError(`replicaId must be an integer in 1..2^53-1, got ${id}`)
    this.id = id ?? 0
    if (options.maxDeleteLog !== undefined) this.state.maxDeleteLog = options.maxDeleteLog
    this.decodeOptions = options.maxInflatedBytes !== undefined ? { maxInflatedBytes: options.maxInflatedBytes } : {}
    this.maxDepth = options.maxContainerDepth ?? MAX_CONTAINER_DEPTH
    const format = options.deltaFormat ?? TERSE_FORMAT_VERSION
    if (format !== TERSE_FORMAT_VERSION && format !== DENSE_FORMAT_VERSION && format !== COMPACT_FORMAT_VERSION && format !== MOVES_FORMAT_VERSION) {
      const writable = `${MOVES_FORMAT_VERSION}, ${COMPACT_FORMAT_VERSION}, ${DENSE_FORMAT_VERSION} or ${TERSE_FORMAT_VERSION}`
      throw new RangeError(`deltaFormat must be ${writable}, got ${String(format)}`)
    }
    this.localFormat = format === MOVES_FORMAT_VERSION ? undefined : format
    this.buffer = new CausalBuffer(options.maxPendingDeltas ?? 10_000, options.maxPendingBytes ?? 64 * 1024 * 1024)
  }

  /** Restores a document from `encodeState()` (with a fresh replica id unless given). */
  static load(state: Uint8Array, options: DocOptions = {}): Doc {
    const doc = new Doc(options)
    doc.applyDelta(state)
    return doc
  }

  /**
   * This replica's id: `options.replicaId`, else random, drawn on first use.
   * A doc that only loads and reads never needs one, and Node's first call
   * to the platform CSPRNG loads WebCrypto, about 1 ms (5% of loading a
   * large document).
   */
  get replicaId(): number {
    if (this.id === 0) this.id = randomReplicaId()
    return this.id
  }

  /** @internal This replica's id, or 0 while none is drawn (then no delta can be this replica's own). */
  get replicaIdIfDrawn(): number {
    return this.id
  }

  getText(name: string): WeftText {
    return this.root(name, 'text')
  }

  getMap(name: string): WeftMap {
    return this.root(name, 'map')
  }

  getList(name: string): WeftList {
    return this.root(name, 'list')
  }

  getCounter(name: string): WeftCounter {
    return this.root(name, 'counter')
  }

  /**
   * Groups mutations into one delta, one change event and one undo step.
   * Nested calls join the outermost transaction.
   */
  transact(fn: () => void, origin?: unknown): void {
    if (this.tx !== null) {
      fn()
      return
    }
    const tx = new Transaction(origin, this.state.counterOf(this.replicaId), this.events.listening.transaction, this.events.listening.change)
    this.tx = tx
    try {
      fn()
    } finally {
      this.tx = null
      // Whatever ran before an exception is already applied locally, so it
      // is committed too: peers must see what this replica shows.
      this.commit(tx)
    }
  }

  on<K extends keyof DocEvents>(event: K, fn: (...args: DocEvents[K]) => void): () => void {
    return this.events.on(event, fn)
  }

  off<K extends keyof DocEvents>(event: K, fn: (...args: DocEvents[K]) => void): void {
    this.events.off(event, fn)
  }

  /**
   * Joins a delta (or a state) from another replica. Idempotent and
   * order-insensitive: a delta whose causal dependencies are missing waits
   * in a bounded buffer. Bad bytes throw `WeftDecodeError` and change nothing;
   * a full buffer throws `WeftCausalBufferFullError`.
   */
  applyDelta(bytes: Uint8Array, origin?: unknown): void {
    this.applyDecoded(bytes, origin, false)
  }

  /**
   * `applyDelta`, also returning the delta's dots and whether any of them
   * was new here, from the one decode the join needs (a server persists and
   * fans out only novel deltas: inspecting first decoded everything twice).
   * Throws as `applyDelta` does, with the doc untouched.
   *
   * @example
   * const info = doc.applyDeltaInspect(bytes)
   * if (info.novel) await store.append(docId, { bytes, ranges: info.ranges })
   */
  applyDeltaInspect(bytes: Uint8Array, origin?: unknown): AppliedDeltaInfo {
    return this.applyDecoded(bytes, origin, true)!
  }

  private applyDecoded(bytes: Uint8Array, origin: unknown, inspect: boolean): AppliedDeltaInfo | undefined {
    if (this.tx !== null) throw new Error('applyDelta cannot run inside transact(): apply remote deltas outside local transactions')
    // Decoded into reused objects: nothing may keep `data` past this call.
    const data = decodeDelta(bytes, (this.decodeScratch ??= new DecodeScratch()), this.decodeOptions)
    let info: AppliedDeltaInfo | undefined
    if (inspect) {
      // Copies: the scratch's ranges are reused by the next decode.
      const ranges = data.ranges.map((r) => ({ replica: r.replica, from: r.from, to: r.to }))
      let novel = false
      for (const r of ranges) if (r.to > this.state.counterOf(r.replica)) novel = true
      info = withCanonical(Object.assign(deltaInfo(data.isState, data.deps, ranges), { novel }), data, bytes)
    }
    if (!data.isState && this.isKnown(data)) return info
    if (!this.depsMet(data)) {
      // What waits must own its objects: decode it again, fresh.
      this.buffer.add({ data: decodeDelta(bytes, undefined, this.decodeOptions), bytes: bytes.length, origin })
      return info
    }
    this.joinReady(data, origin)
    return info
  }

  /**
   * `applyDelta` for a source that can be asked again for what is missing:
   * a delta whose causal past is not all here is not buffered; it returns
   * false and changes nothing. Returns true once joined (or already known).
   * Why: buffered, such a delta waits forever when the only holder of its
   * past is gone (a browser tab that died before storing it), keeping the
   * doc's causal buffer non-empty for good.
   *
   * @example
   * if (!doc.applyDeltaIfReady(bytes)) askPeersForWhatWeLack()
   */
  applyDeltaIfReady(bytes: Uint8Array, origin?: unknown): boolean {
    if (this.tx !== null) throw new Error('applyDelta cannot run inside transact(): apply remote deltas outside local transactions')
    const data = decodeDelta(bytes, (this.decodeScratch ??= new DecodeScratch()), this.decodeOptions)
    if (!data.isState && this.isKnown(data)) return true
    if (!this.depsMet(data)) return false
    this.joinReady(data, origin)
    return true
  }

  /** Validates and integrates a delta whose dependencies are here, then whatever it unblocks. */
  private joinReady(data: DeltaData, origin: unknown): void {
    this.integrate(data, origin, this.validate(data))
    this.drainBuffer()
  }

  /** Everything checked before a delta is applied; throws `WeftDecodeError` (or `WeftDepthError`). */
  private validate(data: DeltaData): InsertOrders {
    const orders = validateDelta(this.state, data)
    validateNesting(this.state.nesting, data, this.maxDepth, (key) => this.state.containers.has(key))
    return orders
  }

  /** Deltas waiting for their causal dependencies. */
  get pendingCount(): number {
    return this.buffer.count
  }

  /** Drops every delta waiting for its dependencies (a replica that resyncs gets the real ones again). */
  discardPending(): void {
    this.buffer.clear()
  }

  versionVector(): VersionVector {
    return this.state.versionVector()
  }

  /** Highest counter of `replica` seen (0: none): one entry of {@link versionVector} without copying it. */
  counterOf(replica: number): number {
    return this.state.counterOf(replica)
  }

  encodeVersionVector(): Uint8Array {
    return encodeVersionVector(this.versionVector())
  }

  /** One delta holding everything a replica at `vv` lacks (empty when it lacks nothing). */
  encodeDeltaSince(vv: VersionVector): Uint8Array {
    return encodeDelta(buildDeltaSince(this.state, vv))
  }

  /** A snapshot of the whole document; `Doc.load` restores it and `applyDelta` joins it. */
  encodeState(): Uint8Array {
    return encodeDelta(buildState(this.state))
  }

  /** Hex SHA-256 of the canonical visible state and the version vector. */
  digest(): string {
    return computeDigest(withMarks(this.toJSON(), this.state.containers.values()), this.versionVector())
  }

  /**
   * Plain JSON of every root container that holds any history, by name. A
   * root only asked for (`getText('x')` with no edits) exists on this replica
   * alone, so it is left out: replicas that saw the same edits show the same JSON.
   */
  toJSON(): Record<string, unknown> {
    const roots = [...this.state.containers.values()].filter((c) => c.id.name !== null && hasHistory(c))
    // Deterministic when two kinds share a name: the first kind in this order wins.
    const order: ContainerKind[] = ['map', 'list', 'text', 'counter']
    roots.sort((a, b) => order.indexOf(a.id.kind) - order.indexOf(b.id.kind))
    return docToJSON(roots)
  }

  // ------------------------------------------------------------ DocCore (internal)

  /** @internal */
  beginImplicit(): Transaction {
    if (this.tx !== null) return this.tx
    const tx = new Transaction(undefined, this.state.counterOf(this.replicaId), this.events.listening.transaction, this.events.listening.change)
    tx.implicit = true
    this.tx = tx
    return tx
  }

  /** @internal */
  endImplicit(tx: Transaction): void {
    if (!tx.implicit || this.tx !== tx) return
    this.tx = null
    this.commit(tx)
  }

  /** @internal */
  allocateCounters(n: number): number {
    const first = this.state.counterOf(this.replicaId) + 1
    this.state.setCounter(this.replicaId, first + n - 1)
    return first
  }

  /** @internal */
  nextLamport(): number {
    return ++this.state.lamport
  }

  /** @internal */
  nestedContainer(kind: ContainerKind, replica: number, counter: number, parent?: Container): Container {
    const c = this.containerFor({ kind, name: null, replica, counter })
    if (parent !== undefined) this.state.nesting.link(parent.id, c.id)
    return c
  }

  /** @internal */
  checkNestable(parent: Container): void {
    const depth = this.state.nesting.depthOf(parent.id) + 1
    if (depth > this.maxDepth) throw new WeftDepthError(depth, this.maxDepth)
  }

  /** @internal */
  logDelete(container: Container, replica: number, counter: number, ranges: IdRange[]): void {
    this.state.logDelete(container, replica, counter, ranges)
  }

  /** @internal Gets or creates a container by id. */
  containerFor(id: ContainerId): Container {
    let c = this.state.find(id)
    if (c === undefined) {
      // A copy: the id may be a decoder's reused object.
      c = createContainer(this, { kind: id.kind, name: id.name, replica: id.replica, counter: id.counter })
      this.state.add(c)
    }
    return c
  }

  // ------------------------------------------------------------ private

  private root<K extends ContainerKind>(name: string, kind: K): ContainerByKind[K] {
    if (typeof name !== 'string') throw new TypeError(`root container names are strings, got ${typeof name}`)
    // A root is keyed by (kind, name), so a second kind under one name would silently be a second,
    // hidden root. Checked on every access: a merge may bring the other kind in at any time.
    for (const other of ROOT_KINDS) {
      if (other !== kind && this.state.find({ kind: other, name, replica: 0, counter: 0 }) !== undefined) {
        throw new WeftRootKindError(name, kind, other)
      }
    }
    checkKeyLength(name, 'a root container name')
    return this.containerFor({ kind, name, replica: 0, counter: 0 }) as ContainerByKind[K]
  }

  private commit(tx: Transaction): void {
    if (tx.isEmpty) return
    const state = this.state
    const deps: Deps = state.heads.size > 0 ? state.heads.take() : NO_DEPS
    if (this.events.listening.delta) {
      const to = state.counterOf(this.replicaId)
      const sole = tx.soleContainerDelta()
      const encoder = (this.localEncoder ??= new LocalDeltaEncoder(this.localFormat))
      const bytes =
        sole !== undefined
          ? encoder.encodeOne(this.replicaId, tx.startCounter, to, deps, sole)
          : encoder.encode(this.replicaId, tx.startCounter, to, deps, tx.containerDeltas())
      this.events.emit('delta', bytes, tx.origin)
    }
    if (this.events.listening.transaction) this.events.emit('transaction', { origin: tx.origin, transaction: tx })
    if (this.events.listening.change) {
      const containers = tx.changed
      this.events.emit('change', { origin: tx.origin, local: true, containers, textDelta: textDeltas(tx.textEdits, containers) })
    }
  }

  /** Every dot the delta carries is already here. */
  private isKnown(d: DeltaData): boolean {
    const ranges = d.ranges
    for (let i = 0; i < ranges.length; i++) if (this.state.counterOf(ranges[i]!.replica) < ranges[i]!.to) return false
    return true
  }

  private depsMet(d: DeltaData): boolean {
    const state = this.state
    const ranges = d.ranges
    for (let i = 0; i < ranges.length; i++) if (state.counterOf(ranges[i]!.replica) < ranges[i]!.from) return false
    const deps = d.deps
    for (let i = 0; i < deps.replicas.length; i++) if (state.counterOf(deps.replicas[i]!) < deps.counters[i]!) return false
    return true
  }

  private integrate(data: DeltaData, origin: unknown, orders: InsertOrders): void {
    const edits = this.events.listening.change ? new TextEditLog<WeftText>() : null
    const changed = integrateDelta(this, this.state, data, edits, orders)
    if (changed !== null && changed.size > 0) this.events.emit('change', { origin, local: false, containers: changed, textDelta: textDeltas(edits, changed) })
  }

  private drainBuffer(): void {
    if (this.buffer.count === 0) return
    this.buffer.dropIf((d) => !d.isState && this.isKnown(d))
    for (;;) {
      const next = this.buffer.takeReady((d) => this.depsMet(d))
      if (next === undefined) return
      if (!next.data.isState && this.isKnown(next.data)) continue
      let orders: InsertOrders
      try {
        orders = this.validate(next.data)
      } catch {
        // It was well-formed when it arrived but refers to things its
        // dependencies did not bring: a forged delta. Drop it.
        continue
      }
      this.integrate(next.data, next.origin, orders)
    }
  }
}

/**
 * The change event's `textDelta`, its deltas built now (while the texts are as the event describes).
 * A changed text with no edit recorded changed nothing visible (a delete of what was already deleted).
 */
function textDeltas(edits: TextEditLog<WeftText> | null, changed: ReadonlySet<Container>): (text: WeftText) => TextDelta | null {
  const deltas = edits?.finish()
  return (text) => deltas?.get(text) ?? (changed.has(text) ? [] : null)
}

function hasHistory(c: Container): boolean {
  switch (c.kind) {
    case 'text':
    case 'list':
      return c.seq.totalLength > 0
    case 'map':
      return c.entries.size > 0
    case 'counter':
      return c.totals.size > 0
  }
}

function createContainer(doc: Doc, id: ContainerId): Container {
  switch (id.kind) {
    case 'text':
      return new WeftText(doc, id)
    case 'list':
      return new WeftList(doc, id)
    case 'map':
      return new WeftMap(doc, id)
    case 'counter':
      return new WeftCounter(doc, id)
  }
}
