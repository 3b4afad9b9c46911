/**
 * Online moves of a doc between shards ([SHARD-2]):
 *
 * 1. copy: the doc's log is copied to the target in rounds while writes go
 *    on at the source (nothing routes to the target yet);
 * 2. switch, one two-phase transaction: at the source, the doc's row lock is
 *    taken (waiting for the append batch in flight; later appends queue
 *    behind it), the tail written since the last round, the snapshot, head
 *    and lease are read, and the fence is inserted; at the target, the tail,
 *    snapshot, head and lease are written and the copy is checked against the
 *    source's (count, first and last seq). COMMIT PREPARED runs at the target
 *    first, then at the source: once the fence is visible the new copy is;
 * 3. finish (after the commit, again by recovery if the mover died): the map
 *    places the doc on the target (a new version), and the old copy's rows
 *    are deleted (the fence stays, for routers with old maps).
 *
 * Writes queued behind the lock fail at the source with WFMOV (nothing
 * written) and the router re-sends them to the target in issue order, so no
 * acked write is lost and none is applied twice. If the move aborts, the lock
 * is released and the queued writes go on at the source.
 */
import type pg from 'pg'
import { rangesFromJson } from '../store/dot-ranges.js'
import type { ShardedStore } from './sharded-store.js'
import { TwoPhaseCoordinator, type TwoPhaseFinisher, TwoPhaseRecovery, type TwoPhaseStep } from './two-phase.js'

/** The two-phase kind of a move. */
export const SHARD_MOVE = 'shard-move'

export interface MoveDocOptions {
  readonly doc: string
  /** Target shard id. */
  readonly to: string
  /** Copy rounds before the switch at most (default 8). */
  readonly maxCopyRounds?: number
  /** Switch once a round copied fewer deltas than this (default 64). */
  readonly switchBelow?: number
}

export interface MoveResult {
  readonly from: string
  readonly to: string
  /** Deltas copied before the switch and in it. */
  readonly copied: number
  readonly tail: number
  readonly txid: string | undefined
}

export interface ShardTwoPhaseOptions {
  /** Awaited at each step of each move (fault injection in tests). */
  readonly onStep?: (step: TwoPhaseStep, txid: string) => Promise<void> | void
  /** Recovery aborts a move silent this long before its decision (default 10 s). */
  readonly abortAfterMs?: number
}

/**
 * Moves docs between a {@link ShardedStore}'s shards, and recovers moves a
 * crash interrupted. The coordinator log is the catalog's.
 *
 * @example
 * ```ts
 * const mover = new ShardMover(store)
 * await mover.move({ doc: 'note:1', to: 'b' })
 * const stopRecovery = mover.recovery.start(5_000)
 * ```
 */
export class ShardMover {
  readonly coordinator: TwoPhaseCoordinator
  readonly recovery: TwoPhaseRecovery

  constructor(
    private readonly store: ShardedStore,
    options: ShardTwoPhaseOptions = {},
  ) {
    const participants = new Map([...store.shards].map(([id, s]) => [id, s.pool]))
    const finishers = { [SHARD_MOVE]: finishMove(store) }
    this.coordinator = new TwoPhaseCoordinator({ log: store.catalog.pool, participants, finishers, ...(options.onStep && { onStep: options.onStep }) })
    this.recovery = new TwoPhaseRecovery({
      log: store.catalog.pool,
      participants,
      finishers,
      ...(options.abortAfterMs !== undefined && { abortAfterMs: options.abortAfterMs }),
    })
  }

  async move(options: MoveDocOptions): Promise<MoveResult> {
    const { doc, to } = options
    await this.store.refreshMap()
    const from = this.store.route(doc)
    if (from === to) return { from, to, copied: 0, tail: 0, txid: undefined }
    const source = this.pool(from)
    const target = this.pool(to)
    // One move of a doc at a time: an unfinished one (its finisher not yet run) would set the map after this one.
    const unfinished = await this.store.catalog.pool.query("SELECT txid FROM weft_2pc_log WHERE NOT done AND kind = $1 AND payload->>'doc' = $2", [
      SHARD_MOVE,
      doc,
    ])
    if (unfinished.rowCount) throw new Error(`doc ${doc} has an unfinished move (${unfinished.rows[0]?.txid}): run recovery first`)

    // The target must not hold a live copy (only leftovers of an aborted move, or a fenced old copy).
    const live = await target.query('SELECT 1 FROM weft_docs d WHERE d.doc = $1 AND NOT EXISTS (SELECT 1 FROM weft_shard_fences f WHERE f.doc = d.doc)', [doc])
    if (live.rowCount) throw new Error(`doc ${doc} has a live copy on shard ${to} although the map routes it to ${from}: is another move running?`)
    await target.query('DELETE FROM weft_deltas WHERE doc = $1', [doc])
    await target.query('DELETE FROM weft_snapshots WHERE doc = $1', [doc])
    await target.query('DELETE FROM weft_replica_owners WHERE doc = $1', [doc])
    await target.query('DELETE FROM weft_doc_replicas WHERE doc = $1', [doc])

    let copiedThrough = 0
    let copied = 0
    for (let round = 0; round < (options.maxCopyRounds ?? 8); round++) {
      const n = await copyDeltas(source, target, doc, copiedThrough)
      copied += n.count
      copiedThrough = n.through
      if (n.count < (options.switchBelow ?? 64)) break
    }

    let tail = 0
    let state: SourceState | undefined
    const txid = await this.coordinator.run({
      kind: SHARD_MOVE,
      payload: { doc, from, to },
      work: [
        {
          participant: from,
          run: async (c, id) => {
            state = await fenceSource(c, doc, to, id, copiedThrough)
            tail = state.tail.length
          },
        },
        { participant: to, run: (c) => writeTarget(c, doc, state as SourceState) },
      ],
      // The new copy becomes visible before the old one's fence: a read that sees no fence saw the newest data.
      commitOrder: [to, from],
    })
    await this.store.refreshMap()
    return { from, to, copied: copied + tail, tail, txid }
  }

  private pool(shard: string): pg.Pool {
    const s = this.store.shards.get(shard)
    if (!s) throw new RangeError(`unknown shard "${shard}"`)
    return s.pool
  }
}

interface DeltaRow {
  seq: string
  ranges: string
  bytes: Buffer
}

async function copyDeltas(source: pg.Pool, target: pg.Pool, doc: string, after: number): Promise<{ count: number; through: number }> {
  const { rows } = await source.query<DeltaRow>('SELECT seq, ranges, bytes FROM weft_deltas WHERE doc = $1 AND seq > $2 ORDER BY seq LIMIT 5000', [doc, after])
  if (rows.length === 0) return { count: 0, through: after }
  await insertDeltas(target, doc, rows)
  return { count: rows.length, through: Number(rows[rows.length - 1]?.seq) }
}

async function insertDeltas(c: pg.ClientBase | pg.Pool, doc: string, rows: readonly DeltaRow[]): Promise<void> {
  if (rows.length === 0) return
  await c.query(
    `INSERT INTO weft_deltas (doc, seq, ranges, bytes) SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::bytea[]) ON CONFLICT (doc, seq) DO NOTHING`,
    [doc, rows.map((r) => r.seq), rows.map((r) => r.ranges), rows.map((r) => r.bytes)],
  )
}

/** What the switch carries from the source, read under the doc's row lock. */
interface SourceState {
  readonly head: { head_seq: string; pruned_vv: string; lease_holder: string | null; lease_epoch: string; lease_expires: string }
  /** The head's version vector, one row per replica ([LIM-REPLICAS-1]). */
  readonly replicas: { replica: string; counter: string }[]
  readonly snapshot: { seq: string; vv: string; bytes: Buffer } | undefined
  readonly tail: DeltaRow[]
  /** [BIND-1] the doc's replica bindings: they move with it, read under the same lock. */
  readonly owners: { replica: string; owner: string }[]
  readonly log: { n: number; first: number | null; last: number | null }
}

async function fenceSource(c: pg.ClientBase, doc: string, to: string, txid: string, copiedThrough: number): Promise<SourceState> {
  // The append's own upsert: takes the row lock (after the batch in flight), and fails with WFMOV if the doc already moved.
  const head = await c.query<SourceState['head']>(
    `INSERT INTO weft_docs (doc, head_seq, pruned_vv) VALUES ($1, 0, '{}')
     ON CONFLICT (doc) DO UPDATE SET head_seq = weft_docs.head_seq
     RETURNING head_seq, pruned_vv, lease_holder, lease_epoch, lease_expires::text`,
    [doc],
  )
  const snapshot = await c.query<{ seq: string; vv: string; bytes: Buffer }>('SELECT seq, vv, bytes FROM weft_snapshots WHERE doc = $1', [doc])
  const tail = await c.query<DeltaRow>('SELECT seq, ranges, bytes FROM weft_deltas WHERE doc = $1 AND seq > $2 ORDER BY seq', [doc, copiedThrough])
  const log = await c.query<{ n: string; first: string | null; last: string | null }>(
    'SELECT count(*) AS n, min(seq) AS first, max(seq) AS last FROM weft_deltas WHERE doc = $1',
    [doc],
  )
  const owners = await c.query<{ replica: string; owner: string }>('SELECT replica, owner FROM weft_replica_owners WHERE doc = $1', [doc])
  const replicas = await c.query<{ replica: string; counter: string }>('SELECT replica, counter FROM weft_doc_replicas WHERE doc = $1', [doc])
  await c.query(
    `INSERT INTO weft_shard_fences (doc, moved_to, move_txid) VALUES ($1, $2, $3)
     ON CONFLICT (doc) DO UPDATE SET moved_to = EXCLUDED.moved_to, move_txid = EXCLUDED.move_txid`,
    [doc, to, txid],
  )
  const l = log.rows[0]
  return {
    head: head.rows[0] as SourceState['head'],
    snapshot: snapshot.rows[0],
    tail: tail.rows,
    owners: owners.rows,
    replicas: replicas.rows,
    log: { n: Number(l?.n ?? 0), first: l?.first == null ? null : Number(l.first), last: l?.last == null ? null : Number(l.last) },
  }
}

async function writeTarget(c: pg.ClientBase, doc: string, s: SourceState): Promise<void> {
  await c.query('DELETE FROM weft_shard_fences WHERE doc = $1', [doc])
  await insertDeltas(c, doc, s.tail)
  // Deltas the source compacted away since they were copied, and anything past its head (cannot happen; cheap to be sure).
  await c.query('DELETE FROM weft_deltas WHERE doc = $1 AND (seq < $2 OR seq > $3)', [doc, s.log.first ?? Number.MAX_SAFE_INTEGER, Number(s.head.head_seq)])
  if (s.snapshot) {
    await c.query(
      'INSERT INTO weft_snapshots (doc, seq, vv, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT (doc) DO UPDATE SET seq = EXCLUDED.seq, vv = EXCLUDED.vv, bytes = EXCLUDED.bytes',
      [doc, s.snapshot.seq, s.snapshot.vv, s.snapshot.bytes],
    )
  } else {
    await c.query('DELETE FROM weft_snapshots WHERE doc = $1', [doc])
  }
  await c.query('DELETE FROM weft_replica_owners WHERE doc = $1', [doc])
  if (s.owners.length > 0) {
    await c.query('INSERT INTO weft_replica_owners (doc, replica, owner) SELECT $1, * FROM unnest($2::int8[], $3::text[])', [
      doc,
      s.owners.map((o) => o.replica),
      s.owners.map((o) => o.owner),
    ])
  }
  await c.query('DELETE FROM weft_doc_replicas WHERE doc = $1', [doc])
  if (s.replicas.length > 0) {
    await c.query('INSERT INTO weft_doc_replicas (doc, replica, counter) SELECT $1, * FROM unnest($2::int8[], $3::int8[])', [
      doc,
      s.replicas.map((r) => r.replica),
      s.replicas.map((r) => r.counter),
    ])
  }
  const h = s.head
  if (Number(h.head_seq) > 0 || s.snapshot) {
    await c.query(
      `INSERT INTO weft_docs (doc, head_seq, pruned_vv, lease_holder, lease_epoch, lease_expires) VALUES ($1, $2, $3, $4, $5, $6::timestamptz)
       ON CONFLICT (doc) DO UPDATE SET head_seq = EXCLUDED.head_seq, pruned_vv = EXCLUDED.pruned_vv,
         lease_holder = EXCLUDED.lease_holder, lease_epoch = EXCLUDED.lease_epoch, lease_expires = EXCLUDED.lease_expires`,
      [doc, h.head_seq, h.pruned_vv, h.lease_holder, h.lease_epoch, h.lease_expires],
    )
  } else {
    await c.query('DELETE FROM weft_docs WHERE doc = $1', [doc])
  }
  // The copy must be exactly the source's log: same count, first and last seq (seqs are dense, so equal sets).
  const { rows } = await c.query<{ n: string; first: string | null; last: string | null }>(
    'SELECT count(*) AS n, min(seq) AS first, max(seq) AS last FROM weft_deltas WHERE doc = $1',
    [doc],
  )
  const got = {
    n: Number(rows[0]?.n ?? 0),
    first: rows[0]?.first == null ? null : Number(rows[0].first),
    last: rows[0]?.last == null ? null : Number(rows[0].last),
  }
  if (got.n !== s.log.n || got.first !== s.log.first || got.last !== s.log.last) {
    throw new Error(`copy of ${doc} differs from the source (${JSON.stringify(got)} vs ${JSON.stringify(s.log)}): move aborted`)
  }
  // Ranges are parsed to be sure the copied rows are readable by the store (a corrupt row aborts the move, not a later read).
  for (const d of s.tail) rangesFromJson(d.ranges)
}

/** After a move committed: the map places the doc on its new shard, and the old copy's rows go (the fence stays). Idempotent. */
function finishMove(store: ShardedStore): TwoPhaseFinisher {
  return async (payload) => {
    const { doc, from, to } = payload as { doc: string; from: string; to: string }
    const current = (await store.catalog.load())?.placements.get(doc)
    if (current !== to) await store.catalog.place(doc, to)
    const source = store.shards.get(from)?.pool
    if (!source) throw new RangeError(`unknown shard "${from}"`)
    await source.query('DELETE FROM weft_deltas WHERE doc = $1', [doc])
    await source.query('DELETE FROM weft_snapshots WHERE doc = $1', [doc])
    await source.query('DELETE FROM weft_replica_owners WHERE doc = $1', [doc])
    await source.query('DELETE FROM weft_doc_replicas WHERE doc = $1', [doc])
    await source.query('DELETE FROM weft_docs WHERE doc = $1', [doc])
  }
}
