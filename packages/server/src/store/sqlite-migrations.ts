import type Database from 'better-sqlite3'

/**
 * Schema history. Entry `i` moves a database from `user_version = i` to `i + 1`;
 * append new entries, never edit shipped ones.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: per-doc head (seq, vv, pruned vv) kept in the same transaction as each append,
  // so a restarted or second node reads it back instead of trusting memory.
  `
  CREATE TABLE docs (
    doc TEXT PRIMARY KEY,
    head_seq INTEGER NOT NULL,
    vv TEXT NOT NULL,
    pruned_vv TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE deltas (
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ranges TEXT NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (doc, seq)
  ) WITHOUT ROWID;
  CREATE TABLE snapshots (
    doc TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    vv TEXT NOT NULL,
    bytes BLOB NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: a fenced compaction lease per doc (holder, epoch, expiry in ms since the epoch).
  `
  ALTER TABLE docs ADD COLUMN lease_holder TEXT;
  ALTER TABLE docs ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE docs ADD COLUMN lease_expires INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: [BIND-1] each replica of a doc bound to the principal that first wrote it.
  `
  CREATE TABLE replica_owners (
    doc TEXT NOT NULL,
    replica INTEGER NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (doc, replica)
  ) WITHOUT ROWID;
  `,
  // 4: the audit's findings and repairs [AUDIT-5], one row per (doc, kind, check, key); times in ms.
  `
  CREATE TABLE audit_findings (
    doc TEXT NOT NULL,
    kind TEXT NOT NULL,
    check_id TEXT NOT NULL,
    key TEXT NOT NULL,
    message TEXT NOT NULL,
    node TEXT NOT NULL,
    repairable INTEGER NOT NULL,
    at INTEGER NOT NULL,
    resolved_at INTEGER,
    PRIMARY KEY (doc, kind, check_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX audit_findings_at ON audit_findings (at);
  `,
  // 5: [LIM-REPLICAS-1] a doc's version vector as one row per replica, so an append batch writes the
  // replicas it touches instead of rewriting the whole vector (a doc may have seen 30k replicas).
  `
  CREATE TABLE doc_replicas (
    doc TEXT NOT NULL,
    replica INTEGER NOT NULL,
    counter INTEGER NOT NULL,
    PRIMARY KEY (doc, replica)
  ) WITHOUT ROWID;
  INSERT INTO doc_replicas (doc, replica, counter)
    SELECT d.doc, CAST(j.key AS INTEGER), j.value FROM docs AS d, json_each(d.vv) AS j;
  ALTER TABLE docs DROP COLUMN vv;
  `,
]

/** Brings the database up to the latest schema; each step runs in its own transaction. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SQLITE_MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this server (${SQLITE_MIGRATIONS.length})`)
  }
  for (let v = current; v < SQLITE_MIGRATIONS.length; v++) {
    const sql = SQLITE_MIGRATIONS[v] as string
    db.transaction(() => {
      db.exec(sql)
      db.pragma(`user_version = ${v + 1}`)
    }).immediate()
  }
  return SQLITE_MIGRATIONS.length
}
