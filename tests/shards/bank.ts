/**
 * The bank of the two-phase commit tests: accounts on several shards (each a
 * database of its own PostgreSQL cluster), transfers between shards as
 * two-phase transactions, and reads of the total that are consistent across
 * shards.
 *
 * Why a read is a consistent snapshot: it takes shared row locks (FOR SHARE)
 * on every account, shard by shard in one global order, and holds them until
 * every shard is read (strict two-phase locking). A transfer holds its rows'
 * exclusive locks from its UPDATE until COMMIT PREPARED (PostgreSQL keeps a
 * prepared transaction's locks), and takes them in the same shard order, so a
 * read orders entirely before or after each transfer, and no wait cycle can
 * form across databases. A transfer in doubt (coordinator dead) blocks reads
 * of its rows until recovery resolves it: the read times out (lock_timeout)
 * rather than return a wrong total. That is the price of CP.
 */
import type { TwoPhaseCoordinator, TwoPhaseTransaction } from '@weft/server'
import pg from 'pg'

export const ACCOUNTS_PER_SHARD = 4
export const INITIAL_BALANCE = 1_000

export interface Account {
  readonly shard: string
  readonly id: string
}

export function accountsOf(shards: readonly string[]): Account[] {
  return shards.flatMap((shard) => Array.from({ length: ACCOUNTS_PER_SHARD }, (_, i) => ({ shard, id: `${shard}-${i}` })))
}

export async function createAccounts(shard: string, pool: pg.Pool): Promise<void> {
  await pool.query('CREATE TABLE IF NOT EXISTS bank_accounts (id text PRIMARY KEY, balance bigint NOT NULL)')
  for (let i = 0; i < ACCOUNTS_PER_SHARD; i++) {
    await pool.query('INSERT INTO bank_accounts (id, balance) VALUES ($1, $2) ON CONFLICT DO NOTHING', [`${shard}-${i}`, INITIAL_BALANCE])
  }
}

/** A transfer between accounts on two different shards; the work runs in shard order (the global lock order). */
export function transferTx(from: Account, to: Account, amount: number): TwoPhaseTransaction {
  if (from.shard === to.shard) throw new RangeError('a bank test transfer crosses shards')
  const legs = [
    { account: from, delta: -amount },
    { account: to, delta: amount },
  ].sort((x, y) => (x.account.shard < y.account.shard ? -1 : 1))
  return {
    kind: 'plain',
    payload: { from: from.id, to: to.id, amount },
    work: legs.map((leg) => ({
      participant: leg.account.shard,
      run: async (c) => {
        const r = await c.query('UPDATE bank_accounts SET balance = balance + $2 WHERE id = $1', [leg.account.id, leg.delta])
        if (r.rowCount !== 1) throw new Error(`no account ${leg.account.id}`)
      },
    })),
  }
}

export function transfer(coordinator: TwoPhaseCoordinator, from: Account, to: Account, amount: number): Promise<string> {
  return coordinator.run(transferTx(from, to, amount))
}

/** Every balance, read as one consistent snapshot across shards (see the module comment); rejects when a lock is not granted within `lockTimeoutMs`. */
export async function readBalances(pools: ReadonlyMap<string, pg.Pool>, lockTimeoutMs = 2_000): Promise<Map<string, number>> {
  const held: pg.PoolClient[] = []
  const balances = new Map<string, number>()
  let failed: unknown
  try {
    for (const shard of [...pools.keys()].sort()) {
      const c = await (pools.get(shard) as pg.Pool).connect()
      c.on('error', ignore)
      held.push(c)
      await c.query('BEGIN')
      await c.query(`SET LOCAL lock_timeout = ${Math.round(lockTimeoutMs)}`)
      const { rows } = await c.query<{ id: string; balance: string }>('SELECT id, balance FROM bank_accounts ORDER BY id FOR SHARE')
      for (const r of rows) balances.set(r.id, Number(r.balance))
    }
    return balances
  } catch (error) {
    failed = error
    throw error
  } finally {
    for (const c of held) {
      await c.query(failed === undefined ? 'COMMIT' : 'ROLLBACK').catch(() => {})
      c.off('error', ignore)
      c.release(failed === undefined ? undefined : new Error('read failed'))
    }
  }
}

function ignore(): void {}

export function total(balances: ReadonlyMap<string, number>): number {
  let sum = 0
  for (const b of balances.values()) sum += b
  return sum
}

/** A pool that survives its server being killed (errors of idle clients are expected here). */
export function pool(url: string, max = 8): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 3_000 })
  p.on('error', () => {})
  return p
}
