import pg from 'pg'
import { migrateCatalog } from './catalog-schema.js'
import type { ShardMap } from './shard-map.js'

export interface ShardCatalogOptions {
  /** `postgres://…` of the catalog database (the map and the coordinator log; small, may share a server with a shard). */
  readonly url: string
  /** Connections kept open (default 2). */
  readonly poolSize?: number
}

/**
 * The shard map of record and the two-phase commit coordinator log, in one
 * PostgreSQL database. The map is one row (version, hash shards) plus a row
 * per explicitly placed doc; every change bumps the version in the same
 * transaction.
 */
export class ShardCatalog {
  private constructor(readonly pool: pg.Pool) {}

  static async open(options: ShardCatalogOptions): Promise<ShardCatalog> {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 2, application_name: 'weft-shard-catalog' })
    pool.on('error', () => {})
    try {
      await migrateCatalog(pool)
    } catch (error) {
      await pool.end().catch(() => {})
      throw error
    }
    return new ShardCatalog(pool)
  }

  /** Creates the map (version 1) with these hash shards if there is none yet; an existing map is left as it is. */
  async initialize(hashShards: readonly string[]): Promise<void> {
    if (hashShards.length === 0) throw new RangeError('a shard map needs at least one hash shard')
    await this.pool.query('INSERT INTO weft_shard_map (id, version, hash_shards) VALUES (1, 1, $1) ON CONFLICT (id) DO NOTHING', [[...hashShards]])
  }

  /** The current map, read on one snapshot; undefined before {@link initialize}. */
  async load(): Promise<ShardMap | undefined> {
    const { rows } = await this.pool.query<{ k: number; version: string | null; hash_shards: string[] | null; doc: string | null; shard: string | null }>(
      `SELECT 0 AS k, version, hash_shards, NULL AS doc, NULL AS shard FROM weft_shard_map WHERE id = 1
       UNION ALL SELECT 1, NULL, NULL, doc, shard FROM weft_shard_placements`,
    )
    const head = rows.find((r) => r.k === 0)
    if (!head) return undefined
    const placements = new Map<string, string>()
    for (const r of rows) if (r.k === 1 && r.doc !== null && r.shard !== null) placements.set(r.doc, r.shard)
    return { version: Number(head.version), hashShards: head.hash_shards ?? [], placements }
  }

  /** Places `doc` on `shard` and bumps the map version, in `client`'s transaction (or on its own); resolves with the new version. */
  async place(doc: string, shard: string, client: pg.ClientBase | pg.Pool = this.pool): Promise<number> {
    const { rows } = await client.query<{ version: string }>(
      `WITH v AS (UPDATE weft_shard_map SET version = version + 1 WHERE id = 1 RETURNING version)
       INSERT INTO weft_shard_placements (doc, shard, map_version) SELECT $1, $2, version FROM v
       ON CONFLICT (doc) DO UPDATE SET shard = EXCLUDED.shard, map_version = EXCLUDED.map_version
       RETURNING map_version AS version`,
      [doc, shard],
    )
    const v = rows[0]
    if (!v) throw new Error('the shard map is not initialized: call ShardCatalog.initialize first')
    return Number(v.version)
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}
