import type pg from 'pg'
import { createTableIfAbsent } from '../store/pg-create-table.js'
import type { Store, VersionVector } from '../store/store.js'
import { vvFromJson, vvToJson } from '../store/dot-ranges.js'
import type { RegionLevel } from './level-rules.js'

/** A write acknowledged at a level: which regions this region saw holding `vv` of `doc` when it said so ([AUDIT-9]). */
export interface LevelReceipt {
  readonly doc: string
  readonly vv: VersionVector
  readonly level: RegionLevel
  /** The regions that held it, durably, when the level was reached. */
  readonly regions: readonly string[]
  /** How many the level needed then. */
  readonly needed: number
  /** When it was acknowledged (ms since the epoch). */
  readonly at: number
}

/** A receipt as kept, with its place in this region's log. */
export interface StoredReceipt extends LevelReceipt {
  readonly id: number
}

/**
 * The receipts of the writes this region acknowledged at a level, newest
 * kept: `max` of them (default 10,000, about a megabyte), the oldest dropped
 * as new ones come, so the log is bounded however long the region runs.
 */
export interface ReceiptLog {
  record(receipt: LevelReceipt): Promise<void>
  /** Receipts with ids above `after`, oldest first, at most `limit`. */
  list(after: number, limit: number): Promise<readonly StoredReceipt[]>
}

/** {@link ReceiptLog}'s default bound. */
export const DEFAULT_MAX_RECEIPTS = 10_000

/** Kept in the region's PostgreSQL (`weft_level_receipts`); in memory for other stores (lost on restart, said in the docs). */
export async function openReceiptLog(store: Store, max = DEFAULT_MAX_RECEIPTS): Promise<ReceiptLog> {
  if (!('pool' in store)) return new MemoryReceiptLog(max)
  const pool = (store as { pool: pg.Pool }).pool
  // Its own table, created here like the region cursors': the store's schema stays the store's.
  await createTableIfAbsent(
    pool,
    `CREATE TABLE IF NOT EXISTS weft_level_receipts (
       id bigserial PRIMARY KEY, doc text NOT NULL, vv text NOT NULL, level text NOT NULL,
       regions text NOT NULL, needed int NOT NULL, at bigint NOT NULL)`,
  )
  return new PostgresReceiptLog(pool, max)
}

class PostgresReceiptLog implements ReceiptLog {
  private recorded = 0
  constructor(
    private readonly pool: pg.Pool,
    private readonly max: number,
  ) {}

  async record(r: LevelReceipt): Promise<void> {
    const { rows } = await this.pool.query<{ id: string }>(
      'INSERT INTO weft_level_receipts (doc, vv, level, regions, needed, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [r.doc, vvToJson(r.vv), r.level, JSON.stringify(r.regions), r.needed, r.at],
    )
    // Trimmed every 64 records rather than on each: the bound is exceeded by 63 at most.
    if (++this.recorded % 64 === 1) await this.pool.query('DELETE FROM weft_level_receipts WHERE id <= $1', [Number(rows[0]?.id) - this.max])
  }

  async list(after: number, limit: number): Promise<readonly StoredReceipt[]> {
    const { rows } = await this.pool.query<{ id: string; doc: string; vv: string; level: RegionLevel; regions: string; needed: number; at: string }>(
      'SELECT id, doc, vv, level, regions, needed, at FROM weft_level_receipts WHERE id > $1 ORDER BY id LIMIT $2',
      [after, limit],
    )
    return rows.map((r) => ({
      id: Number(r.id),
      doc: r.doc,
      vv: vvFromJson(r.vv),
      level: r.level,
      regions: JSON.parse(r.regions) as string[],
      needed: r.needed,
      at: Number(r.at),
    }))
  }
}

class MemoryReceiptLog implements ReceiptLog {
  private readonly receipts: StoredReceipt[] = []
  private next = 1
  constructor(private readonly max: number) {}

  async record(r: LevelReceipt): Promise<void> {
    this.receipts.push({ ...r, id: this.next++ })
    if (this.receipts.length > this.max) this.receipts.splice(0, this.receipts.length - this.max)
  }

  async list(after: number, limit: number): Promise<readonly StoredReceipt[]> {
    return this.receipts.filter((r) => r.id > after).slice(0, limit)
  }
}
