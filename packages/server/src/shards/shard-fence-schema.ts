import type pg from 'pg'
import { DOC_MOVED_SQLSTATE } from './shard-errors.js'

/** An arbitrary constant: the advisory lock serialising the fence schema's creation by routers starting together. */
const FENCE_LOCK = 0x77656666

/**
 * Installs, on one shard (already migrated by PostgresStore), the table of
 * docs that moved away and a trigger refusing any insert or update of such a
 * doc's row in `weft_docs`. Every write of the store (append, snapshot, lease)
 * upserts that row first, so a router still holding the old map has its
 * write refused with SQLSTATE WFMOV (nothing written) instead of writing to
 * a copy nobody reads. A move inserts the fence in the same transaction that
 * takes the doc's row lock, so writes queued behind that lock are refused too.
 * Deletes (cleanup of a moved doc) are not fenced.
 */
export async function installFence(pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [FENCE_LOCK])
    await client.query(`
      CREATE TABLE IF NOT EXISTS weft_shard_fences (
        doc text PRIMARY KEY,
        moved_to text NOT NULL,
        move_txid text NOT NULL
      )`)
    await client.query(`
      CREATE OR REPLACE FUNCTION weft_shard_fence_check() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE f record;
      BEGIN
        SELECT moved_to, move_txid INTO f FROM weft_shard_fences WHERE doc = NEW.doc;
        IF FOUND THEN
          RAISE EXCEPTION 'weft: doc % moved to shard % (move %): route the write there', NEW.doc, f.moved_to, f.move_txid
            USING ERRCODE = '${DOC_MOVED_SQLSTATE}';
        END IF;
        RETURN NEW;
      END $$`)
    await client.query('CREATE OR REPLACE TRIGGER weft_shard_fence BEFORE INSERT OR UPDATE ON weft_docs FOR EACH ROW EXECUTE FUNCTION weft_shard_fence_check()')
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}

/** Where `doc` moved from this shard, or undefined when it did not (it lives here, or never did). */
export async function fenceOf(pool: pg.Pool, doc: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ moved_to: string }>('SELECT moved_to FROM weft_shard_fences WHERE doc = $1', [doc])
  return rows[0]?.moved_to
}
