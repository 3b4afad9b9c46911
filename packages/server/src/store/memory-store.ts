import { assertValidRanges, coversVersionVector, mergeRanges, mergeVersionVectors, rangesExceed } from './dot-ranges.js'
import { FailedDocs } from './failed-docs.js'
import { type FindingInput, type FindingRecord, type FindingsRetention, type FindingsStore, MemoryFindings } from './findings-store.js'
import { StoreClosedError } from './store-closed-error.js'
import { replicasToBind } from './replica-owners.js'
import { FencedError, StaleSnapshotError } from './store-errors.js'
import type {
  AcquireLeaseOptions,
  AppendInput,
  DeltaRecord,
  DocHead,
  DocLease,
  LoadedDoc,
  ReadSinceResult,
  SnapshotRecord,
  Store,
  VersionVector,
  WriteSnapshotOptions,
} from './store.js'

interface MemoryDoc {
  headSeq: number
  vv: VersionVector
  /** Dots of deltas dropped by compaction: a reader lacking any of them needs the snapshot. */
  prunedVv: VersionVector
  deltas: DeltaRecord[]
  snapshot: SnapshotRecord | undefined
  /** [BIND-1] replica -> the principal it is bound to. */
  owners: Map<number, string>
  lease: { holder: string | undefined; epoch: number; expiresAt: number }
}

/**
 * The backing data of a {@link MemoryStore}. Pass the same object to a new
 * store to simulate a restart over the same "disk", or to several stores to
 * simulate several nodes over one database.
 */
export class MemoryStoreData {
  readonly docs = new Map<string, MemoryDoc>()
  readonly findings = new MemoryFindings()
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  readonly data?: MemoryStoreData
  /** Clock of lease expiry (default `Date.now`). */
  readonly now?: () => number
  /** For tests: return an error to refuse this append, as a full disk would. */
  readonly refuseAppend?: (doc: string, input: AppendInput) => Error | undefined
}

/**
 * Store kept in process memory: for tests and ephemeral servers.
 *
 * @example
 * ```ts
 * const store = new MemoryStore()
 * await store.append('note:1', { bytes, ranges })
 * ```
 */
export class MemoryStore implements Store, FindingsStore {
  private closed = false
  private readonly data: MemoryStoreData
  private readonly now: () => number
  private readonly failed = new FailedDocs()
  private readonly refuse: MemoryStoreOptions['refuseAppend']

  /** A `MemoryStoreData` alone is the data to store into (kept for brevity in tests). */
  constructor(options: MemoryStoreData | MemoryStoreOptions = {}) {
    const o: MemoryStoreOptions = options instanceof MemoryStoreData ? { data: options } : options
    this.data = o.data ?? new MemoryStoreData()
    this.now = o.now ?? Date.now
    this.refuse = o.refuseAppend
  }

  async append(doc: string, input: AppendInput): Promise<number> {
    this.assertOpen()
    assertValidRanges(input.ranges)
    const earlier = this.failed.failureOf(doc)
    if (earlier !== undefined) throw earlier
    const refused = this.refuse?.(doc, input)
    if (refused) {
      this.failed.mark(doc, refused)
      throw refused
    }
    const bound = this.data.docs.get(doc)
    let bind: number[] = []
    if (input.owner !== undefined) {
      try {
        bind = replicasToBind(doc, input.ranges, bound?.vv ?? {}, input.owner, (replica) => bound?.owners.get(replica))
      } catch (error) {
        // A refusal the server did not foresee (another node bound it): later appends it issued may build on it ([STORE-2]).
        this.failed.mark(doc, error)
        throw error
      }
    }
    const d = this.docOrCreate(doc)
    for (const replica of bind) d.owners.set(replica, input.owner as string)
    const seq = d.headSeq + 1
    d.headSeq = seq
    d.deltas.push({ seq, bytes: input.bytes.slice(), ranges: input.ranges.map((r) => ({ ...r })) })
    mergeRanges(d.vv, input.ranges)
    return seq
  }

  async readSince(doc: string, vv: VersionVector): Promise<ReadSinceResult> {
    this.assertOpen()
    const d = this.data.docs.get(doc)
    if (!d) return { snapshot: undefined, deltas: [] }
    const snapshot = coversVersionVector(vv, d.prunedVv) ? undefined : d.snapshot
    const after = snapshot?.seq ?? 0
    return { snapshot, deltas: d.deltas.filter((x) => x.seq > after && rangesExceed(x.ranges, vv)) }
  }

  async readAfterSeq(doc: string, afterSeq: number): Promise<readonly DeltaRecord[]> {
    this.assertOpen()
    return (this.data.docs.get(doc)?.deltas ?? []).filter((x) => x.seq > afterSeq)
  }

  async writeSnapshot(doc: string, snapshot: SnapshotRecord, options: WriteSnapshotOptions = {}): Promise<void> {
    this.assertOpen()
    const d = this.docOrCreate(doc)
    if (snapshot.seq > d.headSeq) throw new RangeError(`snapshot seq ${snapshot.seq} is past head ${d.headSeq}`)
    if (options.fence && (options.fence.holder !== d.lease.holder || options.fence.epoch !== d.lease.epoch)) {
      throw FencedError.of(doc, options.fence, d.lease)
    }
    if (d.snapshot && snapshot.seq < d.snapshot.seq) throw StaleSnapshotError.of(doc, snapshot.seq, d.snapshot.seq)
    d.snapshot = { seq: snapshot.seq, vv: { ...snapshot.vv }, bytes: snapshot.bytes.slice() }
    d.vv = mergeVersionVectors(d.vv, snapshot.vv)
    if (options.pruneThroughSeq !== undefined) {
      const through = Math.min(options.pruneThroughSeq, snapshot.seq)
      for (const x of d.deltas) if (x.seq <= through) mergeRanges(d.prunedVv, x.ranges)
      d.deltas = d.deltas.filter((x) => x.seq > through)
    }
  }

  async readSnapshot(doc: string): Promise<SnapshotRecord | undefined> {
    this.assertOpen()
    return this.data.docs.get(doc)?.snapshot
  }

  async load(doc: string): Promise<LoadedDoc> {
    this.assertOpen()
    const d = this.data.docs.get(doc)
    if (!d) return { head: { seq: 0, vv: {} }, snapshot: undefined, deltas: [], owners: [] }
    const after = d.snapshot?.seq ?? 0
    const owners = [...d.owners].map(([replica, owner]) => ({ replica, owner }))
    return { head: this.headOf(d), snapshot: d.snapshot, deltas: d.deltas.filter((x) => x.seq > after), owners }
  }

  async head(doc: string): Promise<DocHead> {
    this.assertOpen()
    const d = this.data.docs.get(doc)
    return d ? this.headOf(d) : { seq: 0, vv: {} }
  }

  async logLength(doc: string): Promise<number> {
    this.assertOpen()
    return this.data.docs.get(doc)?.deltas.length ?? 0
  }

  async listDocs(): Promise<readonly string[]> {
    this.assertOpen()
    return [...this.data.docs.keys()].sort()
  }

  async listDocsAfter(after: string | undefined, limit: number): Promise<readonly string[]> {
    this.assertOpen()
    return [...this.data.docs.keys()]
      .filter((d) => after === undefined || d > after)
      .sort()
      .slice(0, limit)
  }

  async acquireLease(doc: string, options: AcquireLeaseOptions): Promise<DocLease | undefined> {
    this.assertOpen()
    const d = this.data.docs.get(doc)
    if (!d) return undefined
    const now = this.now()
    const live = d.lease.expiresAt > now
    if (live && d.lease.holder !== options.holder) return undefined
    if (!live || d.lease.holder !== options.holder) d.lease = { holder: options.holder, epoch: d.lease.epoch + 1, expiresAt: 0 }
    d.lease.expiresAt = now + options.ttlMs
    return { holder: options.holder, epoch: d.lease.epoch }
  }

  /** Removes a doc entirely: log, snapshot, head and lease. */
  async deleteDoc(doc: string): Promise<void> {
    this.assertOpen()
    this.data.docs.delete(doc)
  }

  async close(): Promise<void> {
    this.closed = true
  }

  async recordFinding(input: FindingInput): Promise<boolean> {
    this.assertOpen()
    return this.data.findings.recordFinding(input)
  }

  async openFindings(doc: string): Promise<readonly FindingRecord[]> {
    this.assertOpen()
    return this.data.findings.openFindings(doc)
  }

  async resolveFinding(finding: Pick<FindingInput, 'kind' | 'check' | 'doc' | 'key'>, at: number): Promise<boolean> {
    this.assertOpen()
    return this.data.findings.resolveFinding(finding, at)
  }

  async listFindings(options: { readonly limit: number; readonly openOnly?: boolean }): Promise<readonly FindingRecord[]> {
    this.assertOpen()
    return this.data.findings.listFindings(options)
  }

  async pruneFindings(options: FindingsRetention): Promise<number> {
    this.assertOpen()
    return this.data.findings.pruneFindings(options)
  }

  private headOf(d: MemoryDoc): DocHead {
    return { seq: d.headSeq, vv: { ...d.vv } }
  }

  private docOrCreate(doc: string): MemoryDoc {
    let d = this.data.docs.get(doc)
    if (!d) {
      d = { headSeq: 0, vv: {}, prunedVv: {}, deltas: [], snapshot: undefined, owners: new Map(), lease: { holder: undefined, epoch: 0, expiresAt: 0 } }
      this.data.docs.set(doc, d)
    }
    return d
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError()
  }
}
