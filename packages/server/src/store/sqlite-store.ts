import Database from 'better-sqlite3'
import { assertValidRanges, coversVersionVector, mergeRanges, rangesExceed, rangesFromJson, rangesToJson, vvFromJson, vvToJson } from './dot-ranges.js'
import { FailedDocs } from './failed-docs.js'
import { migrate } from './sqlite-migrations.js'
import type { FindingInput, FindingRecord, FindingsRetention, FindingsStore } from './findings-store.js'
import { sqliteFindings } from './sqlite-findings.js'
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
  ReplicaOwner,
  SnapshotRecord,
  Store,
  VersionVector,
  WriteSnapshotOptions,
} from './store.js'

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; one file holds every doc. `':memory:'` works for throwaway use. */
  readonly path: string
  /** `FULL` (default) makes each commit durable on power loss; `NORMAL` only on process crash. */
  readonly synchronous?: 'FULL' | 'NORMAL' | 'EXTRA'
  /** Appends arriving within this many ms share one transaction (default 2). 0: those of one event-loop turn (setImmediate). */
  readonly batchWindowMs?: number
  /** A batch this large commits at once without waiting for the window (default 512). */
  readonly maxBatch?: number
  /** Clock of lease expiry (default `Date.now`). */
  readonly now?: () => number
}

interface PendingAppend {
  readonly doc: string
  readonly input: AppendInput
  readonly resolve: (seq: number) => void
  readonly reject: (error: unknown) => void
}

interface HeadRow {
  head_seq: number
  pruned_vv: string
}

interface DeltaRow {
  seq: number
  ranges: string
  bytes: Buffer
}

interface LeaseRow {
  lease_holder: string | null
  lease_epoch: number
  lease_expires: number
}

interface SnapshotRow {
  seq: number
  vv: string
  bytes: Buffer
}

/** A doc's head inside an append batch: the vector holds only the replicas the batch touched. */
interface WorkingHead {
  seq: number
  touched: VersionVector
}

/** Observer of commit batches (for metrics); called after each COMMIT. */
export type BatchListener = (size: number, durationMs: number) => void

/**
 * Store on one SQLite file (better-sqlite3, WAL). Appends from all
 * connections are grouped into one transaction per batch window, and each
 * append's promise resolves only after that transaction committed.
 */
export class SqliteStore implements Store, FindingsStore {
  private readonly db: Database.Database
  private readonly batchWindowMs: number
  private readonly maxBatch: number
  private pending: PendingAppend[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private immediate: ReturnType<typeof setImmediate> | undefined
  private closed = false
  private readonly findings: FindingsStore
  private readonly now: () => number
  private readonly failed = new FailedDocs()
  private readonly stmts
  private readonly appendBatch: (batch: readonly PendingAppend[]) => (number | Error)[]
  /** Set by the server to observe batch sizes. */
  onBatch: BatchListener | undefined

  constructor(options: SqliteStoreOptions) {
    this.batchWindowMs = options.batchWindowMs ?? 2
    this.maxBatch = options.maxBatch ?? 512
    this.now = options.now ?? Date.now
    this.db = new Database(options.path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
    // A second node on the same file waits for the write lock instead of failing at once.
    this.db.pragma('busy_timeout = 5000')
    migrate(this.db)
    const db = this.db
    this.findings = sqliteFindings(db)
    this.stmts = {
      head: db.prepare<[string], HeadRow>('SELECT head_seq, pruned_vv FROM docs WHERE doc = ?'),
      upsertHeadSeq: db.prepare<[string, number]>(
        `INSERT INTO docs (doc, head_seq, pruned_vv) VALUES (?, ?, '{}') ON CONFLICT (doc) DO UPDATE SET head_seq = excluded.head_seq`,
      ),
      setPrunedVv: db.prepare<[string, string]>('UPDATE docs SET pruned_vv = ? WHERE doc = ?'),
      replicas: db.prepare<[string], { replica: number; counter: number }>('SELECT replica, counter FROM doc_replicas WHERE doc = ?'),
      counterOf: db.prepare<[string, number], { counter: number }>('SELECT counter FROM doc_replicas WHERE doc = ? AND replica = ?'),
      raiseCounter: db.prepare<[string, number, number]>(
        `INSERT INTO doc_replicas (doc, replica, counter) VALUES (?, ?, ?)
         ON CONFLICT (doc, replica) DO UPDATE SET counter = max(counter, excluded.counter)`,
      ),
      deleteDocReplicas: db.prepare<[string]>('DELETE FROM doc_replicas WHERE doc = ?'),
      insertDelta: db.prepare<[string, number, string, Uint8Array]>('INSERT INTO deltas (doc, seq, ranges, bytes) VALUES (?, ?, ?, ?)'),
      deltasAfter: db.prepare<[string, number], DeltaRow>('SELECT seq, ranges, bytes FROM deltas WHERE doc = ? AND seq > ? ORDER BY seq'),
      deltasThrough: db.prepare<[string, number], { ranges: string }>('SELECT ranges FROM deltas WHERE doc = ? AND seq <= ?'),
      deleteDeltasThrough: db.prepare<[string, number]>('DELETE FROM deltas WHERE doc = ? AND seq <= ?'),
      logLength: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM deltas WHERE doc = ?'),
      snapshot: db.prepare<[string], SnapshotRow>('SELECT seq, vv, bytes FROM snapshots WHERE doc = ?'),
      lease: db.prepare<[string], LeaseRow>('SELECT lease_holder, lease_epoch, lease_expires FROM docs WHERE doc = ?'),
      setLease: db.prepare<[string, number, number, string]>('UPDATE docs SET lease_holder = ?, lease_epoch = ?, lease_expires = ? WHERE doc = ?'),
      upsertSnapshot: db.prepare<[string, number, string, Uint8Array]>(
        `INSERT INTO snapshots (doc, seq, vv, bytes) VALUES (?, ?, ?, ?)
         ON CONFLICT (doc) DO UPDATE SET seq = excluded.seq, vv = excluded.vv, bytes = excluded.bytes`,
      ),
      listDocs: db.prepare<[], { doc: string }>('SELECT doc FROM docs ORDER BY doc'),
      listDocsAfter: db.prepare<[string, number], { doc: string }>('SELECT doc FROM docs WHERE doc > ? ORDER BY doc LIMIT ?'),
      deleteDocRow: db.prepare<[string]>('DELETE FROM docs WHERE doc = ?'),
      deleteDocDeltas: db.prepare<[string]>('DELETE FROM deltas WHERE doc = ?'),
      deleteDocSnapshot: db.prepare<[string]>('DELETE FROM snapshots WHERE doc = ?'),
      ownerOf: db.prepare<[string, number], { owner: string }>('SELECT owner FROM replica_owners WHERE doc = ? AND replica = ?'),
      bindOwner: db.prepare<[string, number, string]>('INSERT INTO replica_owners (doc, replica, owner) VALUES (?, ?, ?)'),
      owners: db.prepare<[string], ReplicaOwner>('SELECT replica, owner FROM replica_owners WHERE doc = ?'),
      deleteDocOwners: db.prepare<[string]>('DELETE FROM replica_owners WHERE doc = ?'),
    }
    const appendTx = db.transaction((batch: readonly PendingAppend[]): (number | Error)[] => {
      // Heads are read inside the write transaction, never from memory, so two
      // processes on one file still assign dense, unique seqs.
      const heads = new Map<string, WorkingHead>()
      const seqs: (number | Error)[] = []
      // [BIND-1] an append refused for its replica fails the later ones of its doc in the batch ([STORE-2]).
      const refused = new Map<string, Error>()
      for (const p of batch) {
        const earlier = refused.get(p.doc)
        if (earlier) {
          seqs.push(earlier)
          continue
        }
        let h = heads.get(p.doc)
        if (!h) {
          h = { seq: this.stmts.head.get(p.doc)?.head_seq ?? 0, touched: {} }
          heads.set(p.doc, h)
        }
        // [LIM-REPLICAS-1] only the counters of the replicas this append names are read and written.
        for (const r of p.input.ranges) {
          if (h.touched[r.replica] === undefined) h.touched[r.replica] = this.stmts.counterOf.get(p.doc, r.replica)?.counter ?? 0
        }
        const owner = p.input.owner
        if (owner !== undefined) {
          let bind: number[]
          try {
            bind = replicasToBind(p.doc, p.input.ranges, h.touched, owner, (replica) => this.stmts.ownerOf.get(p.doc, replica)?.owner)
          } catch (error) {
            refused.set(p.doc, error as Error)
            seqs.push(error as Error)
            continue
          }
          for (const replica of bind) this.stmts.bindOwner.run(p.doc, replica, owner)
        }
        h.seq += 1
        mergeRanges(h.touched, p.input.ranges)
        this.stmts.insertDelta.run(p.doc, h.seq, rangesToJson(p.input.ranges), p.input.bytes)
        seqs.push(h.seq)
      }
      for (const [doc, h] of heads) {
        this.stmts.upsertHeadSeq.run(doc, h.seq)
        for (const [replica, counter] of Object.entries(h.touched)) if (counter > 0) this.stmts.raiseCounter.run(doc, Number(replica), counter)
      }
      return seqs
    })
    this.appendBatch = (batch) => appendTx.immediate(batch)
  }

  append(doc: string, input: AppendInput): Promise<number> {
    if (this.closed) return Promise.reject(new StoreClosedError())
    try {
      assertValidRanges(input.ranges)
    } catch (error) {
      return Promise.reject(error)
    }
    // [STORE-2] an earlier append of this doc failed and the caller may not know yet.
    if (this.failed.has(doc)) return Promise.reject(this.failed.failureOf(doc))
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ doc, input, resolve, reject })
      if (this.pending.length >= this.maxBatch) this.flush()
      else if (this.timer === undefined && this.immediate === undefined) {
        if (this.batchWindowMs === 0) this.immediate = setImmediate(this.flush)
        else this.timer = setTimeout(this.flush, this.batchWindowMs)
      }
    })
  }

  /**
   * [STORE-2] The caller has seen the failure of `doc`'s appends: the next
   * ones are accepted again, whatever turn this thread is in. Only the
   * worker calls this (its caller is the main thread, which says so with a
   * message); on the caller's own thread the mark lasts one macrotask.
   */
  forgetFailure(doc: string): void {
    this.failed.forget(doc)
  }

  /** Commits every pending append now (also used before other writes, to keep order). */
  readonly flush = (): void => {
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate)
      this.immediate = undefined
    }
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    const batch = this.pending
    if (batch.length === 0) return
    this.pending = []
    const started = performance.now()
    let seqs: (number | Error)[]
    try {
      seqs = this.appendBatch(batch)
    } catch (error) {
      for (const p of batch) {
        this.failed.mark(p.doc, error)
        p.reject(error)
      }
      return
    }
    this.onBatch?.(batch.length, performance.now() - started)
    batch.forEach((p, i) => {
      const seq = seqs[i] as number | Error
      if (typeof seq === 'number') return p.resolve(seq)
      this.failed.mark(p.doc, seq)
      p.reject(seq)
    })
  }

  async readSince(doc: string, vv: VersionVector): Promise<ReadSinceResult> {
    this.assertOpen()
    return this.db.transaction((): ReadSinceResult => {
      const h = this.stmts.head.get(doc)
      if (!h) return { snapshot: undefined, deltas: [] }
      const snapshot = coversVersionVector(vv, vvFromJson(h.pruned_vv)) ? undefined : this.readSnapshotRow(doc)
      const deltas = this.readDeltas(doc, snapshot?.seq ?? 0).filter((d) => rangesExceed(d.ranges, vv))
      return { snapshot, deltas }
    })()
  }

  async readAfterSeq(doc: string, afterSeq: number): Promise<readonly DeltaRecord[]> {
    this.assertOpen()
    return this.readDeltas(doc, afterSeq)
  }

  async writeSnapshot(doc: string, snapshot: SnapshotRecord, options: WriteSnapshotOptions = {}): Promise<void> {
    this.assertOpen()
    this.flush()
    this.db
      .transaction(() => {
        const row = this.stmts.head.get(doc)
        const seq = row?.head_seq ?? 0
        if (snapshot.seq > seq) throw new RangeError(`snapshot seq ${snapshot.seq} is past head ${seq}`)
        if (options.fence) {
          const lease = this.stmts.lease.get(doc)
          if (lease?.lease_holder !== options.fence.holder || lease.lease_epoch !== options.fence.epoch) {
            throw FencedError.of(doc, options.fence, { holder: lease?.lease_holder, epoch: lease?.lease_epoch ?? 0 })
          }
        }
        const stored = this.stmts.snapshot.get(doc)
        if (stored && snapshot.seq < stored.seq) throw StaleSnapshotError.of(doc, snapshot.seq, stored.seq)
        this.stmts.upsertSnapshot.run(doc, snapshot.seq, vvToJson(snapshot.vv), snapshot.bytes)
        this.stmts.upsertHeadSeq.run(doc, seq)
        // Once per compaction, linear in the snapshot's vector (as the snapshot itself is).
        for (const [replica, counter] of Object.entries(snapshot.vv)) this.stmts.raiseCounter.run(doc, Number(replica), counter)
        if (options.pruneThroughSeq !== undefined) {
          const through = Math.min(options.pruneThroughSeq, snapshot.seq)
          const prunedVv = vvFromJson(row?.pruned_vv ?? '{}')
          for (const r of this.stmts.deltasThrough.all(doc, through)) mergeRanges(prunedVv, rangesFromJson(r.ranges))
          this.stmts.deleteDeltasThrough.run(doc, through)
          this.stmts.setPrunedVv.run(vvToJson(prunedVv), doc)
        }
      })
      .immediate()
  }

  async readSnapshot(doc: string): Promise<SnapshotRecord | undefined> {
    this.assertOpen()
    return this.readSnapshotRow(doc)
  }

  async load(doc: string): Promise<LoadedDoc> {
    this.assertOpen()
    return this.db.transaction((): LoadedDoc => {
      const h = this.stmts.head.get(doc)
      if (!h) return { head: { seq: 0, vv: {} }, snapshot: undefined, deltas: [], owners: [] }
      const snapshot = this.readSnapshotRow(doc)
      const owners = this.stmts.owners.all(doc)
      return { head: { seq: h.head_seq, vv: this.readVv(doc) }, snapshot, deltas: this.readDeltas(doc, snapshot?.seq ?? 0), owners }
    })()
  }

  async head(doc: string): Promise<DocHead> {
    this.assertOpen()
    return this.db.transaction((): DocHead => {
      const h = this.stmts.head.get(doc)
      return h ? { seq: h.head_seq, vv: this.readVv(doc) } : { seq: 0, vv: {} }
    })()
  }

  async logLength(doc: string): Promise<number> {
    this.assertOpen()
    return this.stmts.logLength.get(doc)?.n ?? 0
  }

  async listDocs(): Promise<readonly string[]> {
    this.assertOpen()
    return this.stmts.listDocs.all().map((r) => r.doc)
  }

  async listDocsAfter(after: string | undefined, limit: number): Promise<readonly string[]> {
    this.assertOpen()
    // '' sorts before every doc id (an empty id is refused by the protocol).
    return this.stmts.listDocsAfter.all(after ?? '', limit).map((r) => r.doc)
  }

  async acquireLease(doc: string, options: AcquireLeaseOptions): Promise<DocLease | undefined> {
    this.assertOpen()
    return this.db
      .transaction((): DocLease | undefined => {
        const row = this.stmts.lease.get(doc)
        if (!row) return undefined
        const now = this.now()
        const live = row.lease_expires > now
        if (live && row.lease_holder !== options.holder) return undefined
        const epoch = live ? row.lease_epoch : row.lease_epoch + 1
        this.stmts.setLease.run(options.holder, epoch, now + options.ttlMs, doc)
        return { holder: options.holder, epoch }
      })
      .immediate()
  }

  /** Removes a doc entirely: log, snapshot, head and lease. */
  async deleteDoc(doc: string): Promise<void> {
    this.assertOpen()
    this.flush()
    this.db
      .transaction(() => {
        this.stmts.deleteDocDeltas.run(doc)
        this.stmts.deleteDocSnapshot.run(doc)
        this.stmts.deleteDocOwners.run(doc)
        this.stmts.deleteDocReplicas.run(doc)
        this.stmts.deleteDocRow.run(doc)
      })
      .immediate()
  }

  /** `PRAGMA integrity_check`: `'ok'` for a sound file. */
  async integrityCheck(): Promise<string> {
    this.assertOpen()
    return String(this.db.pragma('integrity_check', { simple: true }))
  }

  async recordFinding(input: FindingInput): Promise<boolean> {
    return this.findingsOf().recordFinding(input)
  }

  async openFindings(doc: string): Promise<readonly FindingRecord[]> {
    return this.findingsOf().openFindings(doc)
  }

  async resolveFinding(finding: Pick<FindingInput, 'kind' | 'check' | 'doc' | 'key'>, at: number): Promise<boolean> {
    return this.findingsOf().resolveFinding(finding, at)
  }

  async listFindings(options: { readonly limit: number; readonly openOnly?: boolean }): Promise<readonly FindingRecord[]> {
    return this.findingsOf().listFindings(options)
  }

  async pruneFindings(options: FindingsRetention): Promise<number> {
    return this.findingsOf().pruneFindings(options)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.flush()
    this.closed = true
    this.db.close()
  }

  /** A doc's whole version vector, from its per-replica rows. */
  private readVv(doc: string): VersionVector {
    const vv: VersionVector = {}
    for (const r of this.stmts.replicas.all(doc)) vv[r.replica] = r.counter
    return vv
  }

  private readDeltas(doc: string, afterSeq: number): DeltaRecord[] {
    return this.stmts.deltasAfter.all(doc, afterSeq).map((r) => ({
      seq: r.seq,
      ranges: rangesFromJson(r.ranges),
      bytes: toUint8(r.bytes),
    }))
  }

  private readSnapshotRow(doc: string): SnapshotRecord | undefined {
    const r = this.stmts.snapshot.get(doc)
    return r ? { seq: r.seq, vv: vvFromJson(r.vv), bytes: toUint8(r.bytes) } : undefined
  }

  private findingsOf(): FindingsStore {
    this.assertOpen()
    return this.findings
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError()
  }
}

/** A plain Uint8Array view of a Buffer (no copy), so callers never see Node's Buffer API. */
function toUint8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}
