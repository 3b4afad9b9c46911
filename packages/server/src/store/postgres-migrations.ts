import type pg from 'pg'

/**
 * Schema history of the PostgreSQL store. Entry `i` moves a database from
 * version `i` to `i + 1`; append new entries, never edit shipped ones. Every
 * table is prefixed `weft_` so the store can share a database with an app.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  // 1: per-doc head (seq, vv, pruned vv) and the compaction lease, kept in the
  // transactions that change them; the log; snapshots; the node registry.
  `
  CREATE TABLE weft_docs (
    doc text PRIMARY KEY,
    head_seq bigint NOT NULL,
    vv text NOT NULL,
    pruned_vv text NOT NULL,
    lease_holder text,
    lease_epoch bigint NOT NULL DEFAULT 0,
    lease_expires timestamptz NOT NULL DEFAULT '-infinity'
  );
  CREATE TABLE weft_deltas (
    doc text NOT NULL,
    seq bigint NOT NULL,
    ranges text NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (doc, seq)
  );
  CREATE TABLE weft_snapshots (
    doc text PRIMARY KEY,
    seq bigint NOT NULL,
    vv text NOT NULL,
    bytes bytea NOT NULL
  );
  CREATE TABLE weft_nodes (
    node text PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    info text NOT NULL DEFAULT '{}'
  );
  `,
  // 2: [BIND-1] each replica of a doc bound to the principal that first wrote it,
  // written in the append's transaction under the doc's row lock.
  `
  CREATE TABLE weft_replica_owners (
    doc text NOT NULL,
    replica bigint NOT NULL,
    owner text NOT NULL,
    PRIMARY KEY (doc, replica)
  );
  `,
  // 3: the audit's findings and repairs [AUDIT-5], one row per (doc, kind, check, key); times in ms.
  `
  CREATE TABLE weft_audit_findings (
    doc text NOT NULL,
    kind text NOT NULL,
    check_id text NOT NULL,
    key text NOT NULL,
    message text NOT NULL,
    node text NOT NULL,
    repairable boolean NOT NULL,
    at bigint NOT NULL,
    resolved_at bigint,
    PRIMARY KEY (doc, kind, check_id, key)
  );
  CREATE INDEX weft_audit_findings_at ON weft_audit_findings (at);
  `,
  // 4: [LIM-REPLICAS-1] a doc's version vector as one row per replica, so an append batch writes the
  // replicas it touches instead of rewriting the whole vector (a doc may have seen 30k replicas).
  `
  CREATE TABLE weft_doc_replicas (
    doc text NOT NULL,
    replica bigint NOT NULL,
    counter bigint NOT NULL,
    PRIMARY KEY (doc, replica)
  );
  INSERT INTO weft_doc_replicas (doc, replica, counter)
    SELECT d.doc, j.key::bigint, j.value::bigint FROM weft_docs AS d, jsonb_each_text(d.vv::jsonb) AS j;
  ALTER TABLE weft_docs DROP COLUMN vv;
  `,
]

/** The database was migrated by a newer Weft than this one: running on it could corrupt it. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError'
  readonly code = 'schema-too-new'
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`database schema version ${found} is newer than this server (${known})`)
  }
}

/** An arbitrary constant: the advisory lock that serialises migrations of nodes starting together. */
const MIGRATION_LOCK = 0x77656674

/** Brings the database up to the latest schema in one transaction; returns the version. */
export async function migratePostgres(pool: pg.Pool): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await client.query('CREATE TABLE IF NOT EXISTS weft_schema (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL)')
    const { rows } = await client.query<{ version: number }>('SELECT version FROM weft_schema WHERE id = 1')
    const current = rows[0]?.version ?? 0
    if (current > POSTGRES_MIGRATIONS.length) throw new SchemaTooNewError(current, POSTGRES_MIGRATIONS.length)
    for (let v = current; v < POSTGRES_MIGRATIONS.length; v++) await client.query(POSTGRES_MIGRATIONS[v] as string)
    await client.query('INSERT INTO weft_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version', [
      POSTGRES_MIGRATIONS.length,
    ])
    await client.query('COMMIT')
    return POSTGRES_MIGRATIONS.length
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}

/** The schema is this version's, as a store opened without migrating needs it (read only: a hot standby allows no writes). */
export async function checkPostgresSchema(pool: pg.Pool): Promise<number> {
  const { rows: table } = await pool.query<{ t: string | null }>("SELECT to_regclass('weft_schema')::text AS t")
  const { rows } = table[0]?.t ? await pool.query<{ version: number }>('SELECT version FROM weft_schema WHERE id = 1') : { rows: [] }
  const found = rows[0]?.version ?? 0
  if (found > POSTGRES_MIGRATIONS.length) throw new SchemaTooNewError(found, POSTGRES_MIGRATIONS.length)
  if (found < POSTGRES_MIGRATIONS.length) {
    throw new Error(
      `database schema version ${found} is older than this server's (${POSTGRES_MIGRATIONS.length}): start a weft-server on the primary to migrate it`,
    )
  }
  return found
}
