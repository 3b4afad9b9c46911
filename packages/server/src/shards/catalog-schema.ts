import type pg from 'pg'

/**
 * Schema of the catalog database: the shard map and the two-phase commit
 * coordinator log. Entry `i` moves the catalog from version `i` to `i + 1`;
 * append entries, never edit shipped ones.
 */
const CATALOG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE weft_shard_map (
    id int PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL,
    hash_shards text[] NOT NULL
  );
  CREATE TABLE weft_shard_placements (
    doc text PRIMARY KEY,
    shard text NOT NULL,
    map_version bigint NOT NULL
  );
  -- One row per two-phase transaction, written before its first PREPARE.
  -- state: 'preparing' -> 'commit' (the decision) or 'abort'; done once every participant is resolved.
  CREATE TABLE weft_2pc_log (
    txid text PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('preparing', 'commit', 'abort')),
    participants text[] NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    started_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    done boolean NOT NULL DEFAULT false
  );
  CREATE INDEX weft_2pc_log_open ON weft_2pc_log (started_at) WHERE NOT done;
  `,
]

/** An arbitrary constant: the advisory lock serialising catalog migrations of routers starting together. */
const CATALOG_LOCK = 0x77656663

/** The catalog was migrated by a newer Weft. */
export class CatalogTooNewError extends Error {
  override readonly name = 'CatalogTooNewError'
  readonly code = 'catalog-too-new'
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`shard catalog schema version ${found} is newer than this server (${known}): upgrade this server`)
  }
}

export async function migrateCatalog(pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [CATALOG_LOCK])
    await client.query('CREATE TABLE IF NOT EXISTS weft_catalog_schema (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL)')
    const { rows } = await client.query<{ version: number }>('SELECT version FROM weft_catalog_schema WHERE id = 1')
    const current = rows[0]?.version ?? 0
    if (current > CATALOG_MIGRATIONS.length) throw new CatalogTooNewError(current, CATALOG_MIGRATIONS.length)
    for (let v = current; v < CATALOG_MIGRATIONS.length; v++) await client.query(CATALOG_MIGRATIONS[v] as string)
    await client.query('INSERT INTO weft_catalog_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version', [
      CATALOG_MIGRATIONS.length,
    ])
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}
