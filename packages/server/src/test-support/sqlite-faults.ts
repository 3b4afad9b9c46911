import Database from 'better-sqlite3'

/**
 * Makes inserts of `doc`'s deltas whose bytes start with 0xFF abort, through
 * a trigger created by a second connection to the file (the store's own
 * connection sees the schema change). Resolves with the function that drops it.
 */
export async function refuseSqliteAppends(path: string, doc: string): Promise<() => Promise<void>> {
  const db = new Database(path)
  const name = `weft_refuse_${Buffer.from(doc).toString('hex')}`
  db.exec(
    `CREATE TRIGGER ${name} BEFORE INSERT ON deltas WHEN NEW.doc = '${doc.replaceAll("'", "''")}' AND substr(NEW.bytes, 1, 1) = x'ff' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`,
  )
  return async () => {
    db.exec(`DROP TRIGGER ${name}`)
    db.close()
  }
}
