import { assertValidRanges, coversVersionVector, mergeRanges, mergeVersionVectors, rangesExceed } from './dot-ranges.js'
import { StoreClosedError } from './store-closed-error.js'
import type { AppendInput, DeltaRecord, DocHead, LoadedDoc, ReadSinceResult, SnapshotRecord, Store, VersionVector, WriteSnapshotOptions } from './store.js'

interface MemoryDoc {
  headSeq: number
  vv: VersionVector
  /** Dots of deltas dropped by compaction: a reader lacking any of them needs the snapshot. */
  prunedVv: VersionVector
  deltas: DeltaRecord[]
  snapshot: SnapshotRecord | undefined
}

/**
 * The backing data of a {@link MemoryStore}. Pass the same object to a new
 * store to simulate a restart over the same "disk".
 */
export class MemoryStoreData {
  readonly docs = new Map<string, MemoryDoc>()
}

/** Store kept in process memory: for tests and ephemeral servers. */
export class MemoryStore implements Store {
  private closed = false

  constructor(private readonly data: MemoryStoreData = new MemoryStoreData()) {}

  async append(doc: string, input: AppendInput): Promise<number> {
    this.assertOpen()
    assertValidRanges(input.ranges)
    const d = this.docOrCreate(doc)
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
    if (!d) return { head: { seq: 0, vv: {} }, snapshot: undefined, deltas: [] }
    const after = d.snapshot?.seq ?? 0
    return { head: this.headOf(d), snapshot: d.snapshot, deltas: d.deltas.filter((x) => x.seq > after) }
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

  async deleteDoc(doc: string): Promise<void> {
    this.assertOpen()
    this.data.docs.delete(doc)
  }

  async close(): Promise<void> {
    this.closed = true
  }

  private headOf(d: MemoryDoc): DocHead {
    return { seq: d.headSeq, vv: { ...d.vv } }
  }

  private docOrCreate(doc: string): MemoryDoc {
    let d = this.data.docs.get(doc)
    if (!d) {
      d = { headSeq: 0, vv: {}, prunedVv: {}, deltas: [], snapshot: undefined }
      this.data.docs.set(doc, d)
    }
    return d
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError()
  }
}
