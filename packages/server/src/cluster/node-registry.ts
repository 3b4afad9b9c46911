import type pg from 'pg'

/**
 * Which server nodes are alive. Each node keeps itself registered with a
 * time to live; a node that stops renewing (killed, paused, cut off) drops
 * out once its entry expires, and its docs move to the others.
 */
export interface NodeRegistry {
  /** This node's id. */
  readonly node: string
  /** The live nodes as last seen (this one included), sorted. */
  live(): readonly string[]
  /** Registers this node and starts renewing; rejects when the registry cannot be reached. */
  start(): Promise<void>
  /** Called after each renewal with the live set. */
  onChange(listener: (live: readonly string[]) => void): void
  /** Leaves at once (others take over without waiting for the TTL) and stops renewing. */
  stop(): Promise<void>
}

/** The registry of a server that runs alone. */
export class SingleNodeRegistry implements NodeRegistry {
  constructor(readonly node: string) {}
  live(): readonly string[] {
    return [this.node]
  }
  async start(): Promise<void> {}
  onChange(): void {}
  async stop(): Promise<void> {}
}

/** Options of {@link PostgresNodeRegistry}. */
export interface PostgresNodeRegistryOptions {
  /** The store's pool (`PostgresStore.pool`): the registry lives in the same database. */
  readonly pool: pg.Pool
  readonly node: string
  /** A node that has not renewed for this long is dead (default 10 s). */
  readonly ttlMs?: number
  /** Renew this often (default a third of the TTL). */
  readonly renewMs?: number
  /** Shown to operators (`weft_nodes.info`): url, pid, version. */
  readonly info?: Record<string, unknown>
  readonly onError?: (error: unknown) => void
}

/**
 * The node registry in PostgreSQL (`weft_nodes`): each renewal is one
 * statement that moves this node's expiry forward and reads the live set,
 * judged by the database's clock, so nodes with skewed clocks agree on who is
 * alive. Coordination stays in PostgreSQL transactions, next to the fenced
 * leases it decides about.
 */
export class PostgresNodeRegistry implements NodeRegistry {
  readonly node: string
  private current: readonly string[]
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly listeners: ((live: readonly string[]) => void)[] = []
  private renewals = 0

  constructor(private readonly o: PostgresNodeRegistryOptions) {
    this.node = o.node
    this.current = [o.node]
  }

  live(): readonly string[] {
    return this.current
  }

  async start(): Promise<void> {
    await this.renew()
    const ttl = this.o.ttlMs ?? 10_000
    this.timer = setInterval(
      () => {
        this.renew().catch((error: unknown) => this.o.onError?.(error))
      },
      this.o.renewMs ?? Math.max(50, Math.floor(ttl / 3)),
    )
    this.timer.unref()
  }

  onChange(listener: (live: readonly string[]) => void): void {
    this.listeners.push(listener)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.o.pool.query('DELETE FROM weft_nodes WHERE node = $1', [this.node]).catch(() => {})
  }

  private async renew(): Promise<void> {
    const ttl = this.o.ttlMs ?? 10_000
    const { rows } = await this.o.pool.query<{ node: string }>(
      `WITH me AS (
         INSERT INTO weft_nodes (node, expires_at, info) VALUES ($1, now() + $2 * interval '1 millisecond', $3)
         ON CONFLICT (node) DO UPDATE SET expires_at = EXCLUDED.expires_at, info = EXCLUDED.info RETURNING node)
       SELECT node FROM weft_nodes WHERE expires_at > now() AND node <> $1 UNION SELECT node FROM me`,
      [this.node, ttl, JSON.stringify(this.o.info ?? {})],
    )
    this.current = rows.map((r) => r.node).sort()
    // Rows of nodes long gone are removed now and then, by whoever renews.
    if (++this.renewals % 100 === 1) await this.o.pool.query("DELETE FROM weft_nodes WHERE expires_at < now() - interval '1 hour'")
    for (const l of this.listeners) l(this.current)
  }
}
