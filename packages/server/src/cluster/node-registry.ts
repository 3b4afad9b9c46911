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
  /** What a live node reported of itself at its last renewal (docs, connections), if the registry carries it. */
  reportOf?(node: string): NodeReport | undefined
  /** Registers this node and starts renewing; rejects when the registry cannot be reached. */
  start(): Promise<void>
  /** Called after each renewal with the live set. */
  onChange(listener: (live: readonly string[]) => void): void
  /** Leaves at once (others take over without waiting for the TTL) and stops renewing. */
  stop(): Promise<void>
}

/** A node's own counts, carried with its registration so every node's dashboard can show every node's. */
export interface NodeReport {
  readonly docs: number
  readonly connections: number
  /** When the node sent it (ISO, the database's clock). */
  readonly at: string
}

/** The registry of a server that runs alone. */
export class SingleNodeRegistry implements NodeRegistry {
  constructor(readonly node: string) {}
  live(): readonly string[] {
    return [this.node]
  }
  reportOf(): NodeReport | undefined {
    return undefined
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
  /** This node's counts, read at each renewal and stored with it (`weft_nodes.info.report`). */
  readonly report?: () => { readonly docs: number; readonly connections: number }
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
  private reports = new Map<string, NodeReport>()
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

  reportOf(node: string): NodeReport | undefined {
    return this.reports.get(node)
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
    const report = this.o.report && { ...this.o.report() }
    const { rows } = await this.o.pool.query<{ node: string; info: string; at: Date }>(
      `WITH me AS (
         INSERT INTO weft_nodes (node, expires_at, info) VALUES ($1, now() + $2 * interval '1 millisecond', $3)
         ON CONFLICT (node) DO UPDATE SET expires_at = EXCLUDED.expires_at, info = EXCLUDED.info RETURNING node, info)
       SELECT node, info, expires_at - $2 * interval '1 millisecond' AS at FROM weft_nodes WHERE expires_at > now() AND node <> $1
       UNION SELECT node, info, now() FROM me`,
      [this.node, ttl, JSON.stringify({ ...this.o.info, ...(report && { report }) })],
    )
    this.current = rows.map((r) => r.node).sort()
    this.reports = new Map()
    for (const r of rows) {
      const { docs, connections } = parseReport(r.info)
      if (typeof docs === 'number' && typeof connections === 'number') this.reports.set(r.node, { docs, connections, at: r.at.toISOString() })
    }
    // Rows of nodes long gone are removed now and then, by whoever renews.
    if (++this.renewals % 100 === 1) await this.o.pool.query("DELETE FROM weft_nodes WHERE expires_at < now() - interval '1 hour'")
    for (const l of this.listeners) l(this.current)
  }
}

/** The counts in a `weft_nodes.info` (text: older nodes wrote none, and anything may be there). */
function parseReport(info: string): { docs?: unknown; connections?: unknown } {
  try {
    const parsed = JSON.parse(info) as { report?: { docs?: unknown; connections?: unknown } } | null
    return parsed?.report ?? {}
  } catch {
    return {}
  }
}
