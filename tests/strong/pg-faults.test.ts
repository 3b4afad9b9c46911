/**
 * Linearizability of PgStrongOps under real PostgreSQL faults: 8 clients
 * (each its own pool) run a seeded mix of claim / CAS / bounded add while
 * their backends are killed with pg_terminate_backend at random moments.
 * CI profile: about 8 s of load; WEFT_STRONG_SOAK=<seconds> runs longer.
 */
import { PgStrongOps } from '@weft/server'
import { expect, it } from 'vitest'
import { seededRandom } from '@weft/crdt-core'
import { createTempDatabase } from '../support/pg-database.js'
import { checkHistory, newHistory, runClient, sleep, soakSeconds, soakTimeout, strongSeed } from './strong-history.js'

const CLIENTS = 8

it(
  'PgStrongOps histories stay linearizable while backends are terminated',
  async () => {
    const seed = strongSeed('pg-faults')
    const seconds = soakSeconds() ?? 8
    const db = await createTempDatabase()
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, () => PgStrongOps.open({ connectionString: db.url, maxConnections: 2, timeoutMs: 2_000 })),
    )
    try {
      const history = newHistory()
      const end = Date.now() + seconds * 1_000
      const until = () => Date.now() > end
      const rand = seededRandom(seed)
      let terminated = 0
      const faults = (async () => {
        while (!until()) {
          await sleep(100 + rand() * 400)
          const r = await db.admin('SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
            db.name,
          ])
          terminated += Number(r.rows[0]?.n ?? 0)
        }
      })()
      await Promise.all([faults, ...clients.map((ops, i) => runClient({ id: `c${i}`, ops, seed: seed + i + 1, history, until }))])
      console.log(`[pg-faults] ${history.tally.ok} ok, ${history.tally.refused} refused, ${history.tally.unknown} unknown; ${terminated} backends terminated`)
      expect(terminated).toBeGreaterThan(0)
      expect(history.tally.ok).toBeGreaterThan(100)
      expect(checkHistory(history)).toBeUndefined()
    } finally {
      await Promise.all(clients.map((c) => c.close()))
      await db.drop()
    }
  },
  soakTimeout(120_000),
)
