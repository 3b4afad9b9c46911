import pg from 'pg'
import {
  assertValidRanges,
  coversVersionVector,
  mergeRanges,
  rangesExceed,
  rangesFromJson,
  rangesToJson,
  vvFromJson,
  vvFromRecord,
  vvToJson,
} from './dot-ranges.js'
import { redactUrl } from '../redact-url.js'
import { FailedDocs } from './failed-docs.js'
import type { FindingInput, FindingRecord, FindingsRetention, FindingsStore } from './findings-store.js'
import { postgresFindings } from './postgres-findings.js'
import { checkPostgresSchema, migratePostgres } from './postgres-migrations.js'
import type { BatchListener } from './sqlite-store.js'
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

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: string
  /** Connections kept open (default 4): one runs the append batch, the others serve loads and compaction. */
  readonly poolSize?: number
  /** Appends per transaction at most (default 256). */
  readonly maxBatch?: number
  /** Give up connecting after this long (default 5 s). */
  readonly connectTimeoutMs?: number
  /** Shown in `pg_stat_activity` (default `weft-server`). */
  readonly applicationName?: string
  /** Errors of idle connections (a restarted or terminated backend); the pool replaces them. */
  readonly onConnectionError?: (error: Error) => void
  /**
   * Open without migrating: the schema must already be this version's (a hot
   * standby is read-only, so `weft-server audit` reads one this way; default false).
   */
  readonly readOnly?: boolean
}

interface PendingAppend {
  readonly doc: string
  readonly input: AppendInput
  readonly resolve: (seq: number) => void
  readonly reject: (error: unknown) => void
}

/** A row of the one-statement reads: k 0 = head, 1 = snapshot, 2 = delta, 3 = binding, 4 = a replica's counter. */
interface DocRow {
  k: number
  seq: string
  meta: string
  bytes: Buffer | null
}

const DOC_ROWS = `
  WITH h AS (SELECT head_seq, pruned_vv FROM weft_docs WHERE doc = $1),
       s AS (SELECT seq, vv, bytes FROM weft_snapshots WHERE doc = $1)
  SELECT 0 AS k, head_seq AS seq, pruned_vv AS meta, NULL::bytea AS bytes FROM h
  UNION ALL SELECT 1, seq, vv, bytes FROM s
  UNION ALL SELECT 2, seq, ranges, bytes FROM weft_deltas WHERE doc = $1 AND seq > $2
  UNION ALL SELECT 3, replica, owner, NULL FROM weft_replica_owners WHERE doc = $1
  UNION ALL SELECT 4, replica, counter::text, NULL FROM weft_doc_replicas WHERE doc = $1
  ORDER BY k, seq`

/**
 * Store on PostgreSQL (node-postgres `pg`): the op log of record for several
 * server nodes. Each doc's seq is assigned inside the append transaction
 * under the doc's row lock, so any node may append to any doc and seqs stay
 * dense in commit order. Appends are group-committed: one transaction at a
 * time carries every append that arrived while the previous one committed,
 * and each append resolves only after COMMIT. Reads that must be consistent
 * (load, readSince) are single statements, which PostgreSQL runs on one
 * snapshot.
 *
 * `pg` rather than `postgres`: it is the most used client, passes arrays of
 * `bytea` as one parameter (so a batch is one INSERT), and its pool replaces
 * connections a restarted or terminated backend dropped.
 *
 * @example
 * ```ts
 * const store = await PostgresStore.open({ url: 'postgres://weft@db/weft' })
 * const seq = await store.append('note:1', { bytes, ranges })
 * await store.close()
 * ```
 */
export class PostgresStore implements Store, FindingsStore {
  private pending: PendingAppend[] = []
  private flushing: Promise<void> | undefined
  private closed = false
  private readonly failed = new FailedDocs()
  private readonly findings: FindingsStore
  private readonly maxBatch: number
  /** The database URL without its password (for logs and `/healthz`). */
  readonly description: string
  /** Called after each COMMIT of a batch of appends (for metrics). */
  onBatch: BatchListener | undefined
  /** Opened with {@link PostgresStoreOptions.readOnly}: the schema was checked, not migrated. */
  readonly readOnly: boolean

  private constructor(
    /** The connection pool, for the node registry that shares it. */
    readonly pool: pg.Pool,
    options: PostgresStoreOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 256
    this.readOnly = options.readOnly === true
    this.description = redactUrl(options.url)
    this.findings = postgresFindings(pool, () => this.assertOpen())
  }

  /** Connects, creates or migrates the schema, and resolves once the store is usable. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 60_000,
      application_name: options.applicationName ?? 'weft-server',
    })
    // Without a listener, an idle connection killed by the server would crash the process.
    pool.on('error', (error) => options.onConnectionError?.(error))
    // The pool listens only while a connection is idle; one killed while checked out (the group
    // commit's, a migration's) emits 'error' on itself, so each gets a listener from birth. The query
    // in flight still rejects, which is how the caller learns of it.
    pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)))
    try {
      await (options.readOnly ? checkPostgresSchema(pool) : migratePostgres(pool))
    } catch (error) {
      await pool.end().catch(() => {})
      throw error
    }
    return new PostgresStore(pool, options)
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
      this.flushing ??= new Promise<void>((r) => setImmediate(r)).then(this.flushAll)
    })
  }

  /** Commits batches until nothing is pending; one transaction at a time, so each doc's appends commit in issue order. */
  private readonly flushAll = async (): Promise<void> => {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch)
      const started = performance.now()
      try {
        const seqs = await this.commitBatch(batch)
        this.onBatch?.(batch.length, performance.now() - started)
        const refused = new Map<string, Error>()
        batch.forEach((p, i) => {
          const seq = seqs[i] as number | Error
          if (typeof seq === 'number') return p.resolve(seq)
          refused.set(p.doc, seq)
          this.failed.mark(p.doc, seq)
          p.reject(seq)
        })
        // [STORE-2] a refusal ([BIND-1]) fails the appends of its doc queued meanwhile, as a failure does.
        if (refused.size > 0) {
          this.pending = this.pending.filter((p) => {
            const error = refused.get(p.doc)
            if (error === undefined) return true
            p.reject(error)
            return false
          })
        }
      } catch (error) {
        const docs = new Set<string>()
        for (const p of batch) {
          docs.add(p.doc)
          this.failed.mark(p.doc, error)
          p.reject(error)
        }
        // [STORE-2] appends of those docs queued meanwhile were issued before anyone saw the failure.
        this.pending = this.pending.filter((p) => {
          if (!docs.has(p.doc)) return true
          p.reject(error)
          return false
        })
      }
    }
    this.flushing = undefined
  }

  /** Seqs of the batch's appends, or the error of one refused ([BIND-1]) and of the later ones of its doc. */
  private async commitBatch(batch: readonly PendingAppend[]): Promise<(number | Error)[]> {
    const docs = [...new Set(batch.map((p) => p.doc))].sort()
    return this.transaction(async (c) => {
      // Creates missing docs and locks every doc row of the batch, in one order for every node (no deadlocks).
      // Named statements: PostgreSQL plans them once per connection, not once per batch.
      const heads = await c.query<{ doc: string; head_seq: string }>({
        name: 'weft-append-lock',
        text: `INSERT INTO weft_docs (doc, head_seq, pruned_vv) SELECT d, 0, '{}' FROM unnest($1::text[]) AS d ORDER BY d
         ON CONFLICT (doc) DO UPDATE SET head_seq = weft_docs.head_seq RETURNING doc, head_seq`,
        values: [docs],
      })
      // [LIM-REPLICAS-1] per doc, only the counters of the replicas the batch names: `touched`.
      const working = new Map(heads.rows.map((r) => [r.doc, { seq: Number(r.head_seq), touched: {} as VersionVector }]))
      const { owners, counters } = await this.replicasOf(c, batch)
      const bound = { doc: [] as string[], replica: [] as number[], owner: [] as string[] }
      const refused = new Map<string, Error>()
      const seqs: (number | Error)[] = []
      const rows = { doc: [] as string[], seq: [] as number[], ranges: [] as string[], bytes: [] as Buffer[] }
      for (const p of batch) {
        const h = working.get(p.doc)
        if (!h) throw new Error(`doc ${p.doc} missing from its own upsert`)
        const earlier = refused.get(p.doc)
        if (earlier) {
          seqs.push(earlier)
          continue
        }
        const owner = p.input.owner
        if (owner !== undefined) {
          let bind: number[]
          try {
            for (const r of p.input.ranges) h.touched[r.replica] = Math.max(h.touched[r.replica] ?? 0, counters.get(ownerKey(p.doc, r.replica)) ?? 0)
            bind = replicasToBind(p.doc, p.input.ranges, h.touched, owner, (replica) => owners.get(ownerKey(p.doc, replica)))
          } catch (error) {
            refused.set(p.doc, error as Error)
            seqs.push(error as Error)
            continue
          }
          for (const replica of bind) {
            owners.set(ownerKey(p.doc, replica), owner)
            bound.doc.push(p.doc)
            bound.replica.push(replica)
            bound.owner.push(owner)
          }
        }
        h.seq += 1
        mergeRanges(h.touched, p.input.ranges)
        seqs.push(h.seq)
        rows.doc.push(p.doc)
        rows.seq.push(h.seq)
        rows.ranges.push(rangesToJson(p.input.ranges))
        rows.bytes.push(Buffer.from(p.input.bytes.buffer, p.input.bytes.byteOffset, p.input.bytes.byteLength))
      }
      const updated = [...working]
      const raised = { doc: [] as string[], replica: [] as number[], counter: [] as number[] }
      for (const [doc, h] of updated) {
        for (const [replica, counter] of Object.entries(h.touched)) {
          // 0: a replica only a refused append named (its stored counter, read for the check, is 0).
          if (counter === 0) continue
          raised.doc.push(doc)
          raised.replica.push(Number(replica))
          raised.counter.push(counter)
        }
      }
      await c.query({
        name: 'weft-append-write',
        text: `WITH ins AS (INSERT INTO weft_deltas (doc, seq, ranges, bytes) SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::bytea[])),
              vv AS (INSERT INTO weft_doc_replicas (doc, replica, counter) SELECT * FROM unnest($7::text[], $8::int8[], $9::int8[])
                     ON CONFLICT (doc, replica) DO UPDATE SET counter = GREATEST(weft_doc_replicas.counter, EXCLUDED.counter))
         UPDATE weft_docs AS d SET head_seq = u.seq FROM unnest($5::text[], $6::int8[]) AS u(doc, seq) WHERE d.doc = u.doc`,
        values: [
          rows.doc,
          rows.seq,
          rows.ranges,
          rows.bytes,
          updated.map(([d]) => d),
          updated.map(([, h]) => h.seq),
          raised.doc,
          raised.replica,
          raised.counter,
        ],
      })
      if (bound.doc.length > 0) {
        await c.query({
          name: 'weft-append-bind',
          text: 'INSERT INTO weft_replica_owners (doc, replica, owner) SELECT * FROM unnest($1::text[], $2::int8[], $3::text[])',
          values: [bound.doc, bound.replica, bound.owner],
        })
      }
      return seqs
    })
  }

  /**
   * [BIND-1] The bindings and stored counters of every replica the batch's
   * owned appends carry, read under the doc row locks the batch holds, so no
   * other node binds one meanwhile. Keyed by {@link ownerKey}.
   */
  private async replicasOf(c: pg.PoolClient, batch: readonly PendingAppend[]): Promise<{ owners: Map<string, string>; counters: Map<string, number> }> {
    const docs: string[] = []
    const replicas: number[] = []
    for (const p of batch) {
      if (p.input.owner === undefined) continue
      for (const r of p.input.ranges) {
        docs.push(p.doc)
        replicas.push(r.replica)
      }
    }
    const owners = new Map<string, string>()
    const counters = new Map<string, number>()
    if (docs.length === 0) return { owners, counters }
    const { rows } = await c.query<{ doc: string; replica: string; owner: string | null; counter: string | null }>({
      name: 'weft-append-owners',
      text: `SELECT w.doc, w.replica, o.owner, r.counter FROM unnest($1::text[], $2::int8[]) AS w(doc, replica)
         LEFT JOIN weft_replica_owners o ON o.doc = w.doc AND o.replica = w.replica
         LEFT JOIN weft_doc_replicas r ON r.doc = w.doc AND r.replica = w.replica`,
      values: [docs, replicas],
    })
    for (const r of rows) {
      const key = ownerKey(r.doc, Number(r.replica))
      if (r.owner !== null) owners.set(key, r.owner)
      if (r.counter !== null) counters.set(key, Number(r.counter))
    }
    return { owners, counters }
  }

  async readSince(doc: string, vv: VersionVector): Promise<ReadSinceResult> {
    const { head, snapshot, deltas } = await this.readDoc(doc, 0)
    if (!head) return { snapshot: undefined, deltas: [] }
    const needed = coversVersionVector(vv, head.prunedVv) ? undefined : snapshot
    const after = needed?.seq ?? 0
    return { snapshot: needed, deltas: deltas.filter((d) => d.seq > after && rangesExceed(d.ranges, vv)) }
  }

  async readAfterSeq(doc: string, afterSeq: number): Promise<readonly DeltaRecord[]> {
    this.assertOpen()
    const { rows } = await this.pool.query<{ seq: string; ranges: string; bytes: Buffer }>(
      'SELECT seq, ranges, bytes FROM weft_deltas WHERE doc = $1 AND seq > $2 ORDER BY seq',
      [doc, afterSeq],
    )
    return rows.map((r) => ({ seq: Number(r.seq), ranges: rangesFromJson(r.ranges), bytes: toUint8(r.bytes) }))
  }

  async writeSnapshot(doc: string, snapshot: SnapshotRecord, options: WriteSnapshotOptions = {}): Promise<void> {
    this.assertOpen()
    await this.transaction(async (c) => {
      const { rows } = await c.query<{ head_seq: string; pruned_vv: string; lease_holder: string | null; lease_epoch: string }>(
        `INSERT INTO weft_docs (doc, head_seq, pruned_vv) VALUES ($1, 0, '{}')
         ON CONFLICT (doc) DO UPDATE SET head_seq = weft_docs.head_seq RETURNING head_seq, pruned_vv, lease_holder, lease_epoch`,
        [doc],
      )
      const h = rows[0]
      if (!h) throw new Error(`doc ${doc} missing from its own upsert`)
      const headSeq = Number(h.head_seq)
      if (snapshot.seq > headSeq) throw new RangeError(`snapshot seq ${snapshot.seq} is past head ${headSeq}`)
      const fence = options.fence
      if (fence && (h.lease_holder !== fence.holder || Number(h.lease_epoch) !== fence.epoch)) {
        throw FencedError.of(doc, fence, { holder: h.lease_holder, epoch: Number(h.lease_epoch) })
      }
      const stored = await c.query<{ seq: string }>('SELECT seq FROM weft_snapshots WHERE doc = $1', [doc])
      const storedSeq = stored.rows[0] ? Number(stored.rows[0].seq) : undefined
      if (storedSeq !== undefined && snapshot.seq < storedSeq) throw StaleSnapshotError.of(doc, snapshot.seq, storedSeq)
      await c.query(
        `INSERT INTO weft_snapshots (doc, seq, vv, bytes) VALUES ($1, $2, $3, $4)
         ON CONFLICT (doc) DO UPDATE SET seq = EXCLUDED.seq, vv = EXCLUDED.vv, bytes = EXCLUDED.bytes`,
        [doc, snapshot.seq, vvToJson(snapshot.vv), Buffer.from(snapshot.bytes)],
      )
      const prunedVv = vvFromJson(h.pruned_vv)
      if (options.pruneThroughSeq !== undefined) {
        const through = Math.min(options.pruneThroughSeq, snapshot.seq)
        const pruned = await c.query<{ ranges: string }>('DELETE FROM weft_deltas WHERE doc = $1 AND seq <= $2 RETURNING ranges', [doc, through])
        for (const r of pruned.rows) mergeRanges(prunedVv, rangesFromJson(r.ranges))
      }
      // Once per compaction, linear in the snapshot's vector (as the snapshot itself is).
      const replicas = Object.keys(snapshot.vv)
      await c.query(
        `INSERT INTO weft_doc_replicas (doc, replica, counter) SELECT $1, r, c FROM unnest($2::int8[], $3::int8[]) AS u(r, c)
         ON CONFLICT (doc, replica) DO UPDATE SET counter = GREATEST(weft_doc_replicas.counter, EXCLUDED.counter)`,
        [doc, replicas, replicas.map((r) => snapshot.vv[Number(r)])],
      )
      await c.query('UPDATE weft_docs SET pruned_vv = $2 WHERE doc = $1', [doc, vvToJson(prunedVv)])
    })
  }

  async readSnapshot(doc: string): Promise<SnapshotRecord | undefined> {
    this.assertOpen()
    const { rows } = await this.pool.query<{ seq: string; vv: string; bytes: Buffer }>('SELECT seq, vv, bytes FROM weft_snapshots WHERE doc = $1', [doc])
    const r = rows[0]
    return r ? { seq: Number(r.seq), vv: vvFromJson(r.vv), bytes: toUint8(r.bytes) } : undefined
  }

  async load(doc: string): Promise<LoadedDoc> {
    const { head, snapshot, deltas, owners } = await this.readDoc(doc, undefined)
    if (!head) return { head: { seq: 0, vv: {} }, snapshot: undefined, deltas: [], owners: [] }
    return { head: { seq: head.seq, vv: head.vv }, snapshot, deltas, owners }
  }

  async head(doc: string): Promise<DocHead> {
    this.assertOpen()
    const { rows } = await this.pool.query<{ head_seq: string; vv: Record<string, number> | null }>(
      'SELECT head_seq, (SELECT json_object_agg(replica, counter) FROM weft_doc_replicas WHERE doc = $1) AS vv FROM weft_docs WHERE doc = $1',
      [doc],
    )
    const r = rows[0]
    return r ? { seq: Number(r.head_seq), vv: vvFromRecord(r.vv ?? {}) } : { seq: 0, vv: {} }
  }

  async logLength(doc: string): Promise<number> {
    this.assertOpen()
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM weft_deltas WHERE doc = $1', [doc])
    return Number(rows[0]?.n ?? 0)
  }

  async listDocs(): Promise<readonly string[]> {
    this.assertOpen()
    const { rows } = await this.pool.query<{ doc: string }>('SELECT doc FROM weft_docs ORDER BY doc COLLATE "C"')
    return rows.map((r) => r.doc)
  }

  async listDocsAfter(after: string | undefined, limit: number): Promise<readonly string[]> {
    this.assertOpen()
    const { rows } = await this.pool.query<{ doc: string }>('SELECT doc FROM weft_docs WHERE doc COLLATE "C" > $1 ORDER BY doc COLLATE "C" LIMIT $2', [
      after ?? '',
      limit,
    ])
    return rows.map((r) => r.doc)
  }

  async acquireLease(doc: string, options: AcquireLeaseOptions): Promise<DocLease | undefined> {
    this.assertOpen()
    // The database's clock decides expiry, so nodes with skewed clocks agree.
    const { rows } = await this.pool.query<{ lease_epoch: string }>(
      `UPDATE weft_docs SET
         lease_epoch = CASE WHEN lease_holder = $2 AND lease_expires > now() THEN lease_epoch ELSE lease_epoch + 1 END,
         lease_holder = $2,
         lease_expires = now() + $3 * interval '1 millisecond'
       WHERE doc = $1 AND (lease_holder IS NULL OR lease_holder = $2 OR lease_expires <= now())
       RETURNING lease_epoch`,
      [doc, options.holder, options.ttlMs],
    )
    const r = rows[0]
    return r ? { holder: options.holder, epoch: Number(r.lease_epoch) } : undefined
  }

  /** Round trip to the database (for health checks). */
  async ping(): Promise<void> {
    this.assertOpen()
    await this.pool.query('SELECT 1')
  }

  /** Commits what is pending, then closes every connection; later calls reject. */
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
    this.closed = true
    while (this.flushing) await this.flushing
    await this.pool.end()
  }

  /** Head, snapshot and the deltas after `afterSeq` (after the snapshot when undefined), on one snapshot of the database. */
  private async readDoc(
    doc: string,
    afterSeq: number | undefined,
  ): Promise<{
    head: { seq: number; vv: VersionVector; prunedVv: VersionVector } | undefined
    snapshot: SnapshotRecord | undefined
    deltas: DeltaRecord[]
    owners: ReplicaOwner[]
  }> {
    this.assertOpen()
    const query = afterSeq === undefined ? DOC_ROWS.replace('seq > $2', 'seq > COALESCE((SELECT seq FROM s), 0)') : DOC_ROWS
    const { rows } = await this.pool.query<DocRow>(query, afterSeq === undefined ? [doc] : [doc, afterSeq])
    let head: { seq: number; vv: VersionVector; prunedVv: VersionVector } | undefined
    let snapshot: SnapshotRecord | undefined
    const deltas: DeltaRecord[] = []
    const owners: ReplicaOwner[] = []
    for (const r of rows) {
      if (r.k === 0) head = { seq: Number(r.seq), vv: {}, prunedVv: vvFromJson(r.meta) }
      else if (r.k === 4) {
        if (head) head.vv[Number(r.seq)] = Number(r.meta)
      } else if (r.k === 1) snapshot = { seq: Number(r.seq), vv: vvFromJson(r.meta), bytes: toUint8(r.bytes as Buffer) }
      else if (r.k === 2) deltas.push({ seq: Number(r.seq), ranges: rangesFromJson(r.meta), bytes: toUint8(r.bytes as Buffer) })
      else owners.push({ replica: Number(r.seq), owner: r.meta })
    }
    return { head, snapshot, deltas, owners }
  }

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e))
      })
      throw error
    } finally {
      // A connection whose ROLLBACK failed is gone or confused: the pool drops it.
      client.release(broken)
    }
  }

  private findingsOf(): FindingsStore {
    return this.findings
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError()
  }
}

const ownerKey = (doc: string, replica: number): string => `${replica}:${doc}`

/** A plain Uint8Array view of a Buffer (no copy), so callers never see Node's Buffer API. */
function toUint8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}
