import { ClusterNode } from '../../cluster/harness/cluster-node.js'
import { NatsProcess } from '../../cluster/harness/nats-process.js'
import { type PgCluster, startPgCluster } from '../../support/pg-cluster.js'

/** Where a region's processes run: inside its network namespace (netns mode) or on loopback (proxy mode). */
export interface RegionSite {
  /** argv prefix that runs a process in the region (`ip netns exec NS`); empty on loopback. */
  readonly wrap: readonly string[]
  /** The address the region's nodes, PostgreSQL and NATS listen on and are reached at. */
  readonly host: string
  /** Node i's fixed port (netns: the namespace's own port space), or undefined for a free one. */
  nodePort(i: number): number | undefined
  /** `name=url,...` of the peers, as this region's nodes reach them. */
  peers(): string
}

/**
 * One region: its own PostgreSQL cluster (initdb'd here, on its own port and
 * data dir), its own NATS server, and its node processes, all where its
 * {@link RegionSite} says.
 */
export class Region {
  readonly nodes: ClusterNode[] = []
  pg!: PgCluster
  nats!: NatsProcess
  private storeUrl = ''

  constructor(
    readonly name: string,
    private readonly cli: string,
    private readonly nodeCount: number,
    private readonly secret: string,
    readonly site: RegionSite,
    /** More flags and environment for every node (an admin token, the auditor, WEFT_ANTI_ENTROPY_MS). */
    private readonly extra: { readonly args?: readonly string[]; readonly env?: Readonly<Record<string, string>> } = {},
  ) {}

  /** The region's own database (its PostgreSQL cluster's `weft`). */
  get db(): { readonly url: string } {
    return { url: this.storeUrl }
  }

  /** Creates the PostgreSQL cluster and NATS server (fresh, empty), then starts every node. */
  async up(): Promise<void> {
    const placement = { wrap: this.site.wrap, host: this.site.host }
    ;[this.pg, this.nats] = await Promise.all([startPgCluster({ ...placement, settings: { max_connections: 50 } }), NatsProcess.start(placement)])
    this.storeUrl = await this.pg.createDatabase('weft')
    this.nodes.length = 0
    for (let i = 1; i <= this.nodeCount; i++) {
      const args = [
        ...['--store', this.storeUrl, '--bus', this.nats.url, '--bus-prefix', `weft-${this.name}`, '--region', this.name, '--store-pool', '3'],
        ...(this.extra.args ?? []),
      ]
      if (this.site.wrap.length > 0) args.push('--host', '0.0.0.0')
      const port = this.site.nodePort(i)
      this.nodes.push(
        new ClusterNode(
          `${this.name}-${i}`,
          args,
          {
            WEFT_PEERS: this.site.peers(),
            WEFT_PEER_SECRET: this.secret,
            WEFT_COMPACTION_THRESHOLD: '100000',
            ...this.extra.env,
            ...(process.env.WEFT_REGIONS_LOGS && { WEFT_LOG_LEVEL: 'debug' }),
          },
          this.cli,
          { wrap: this.site.wrap, host: this.site.host, ...(port !== undefined && { port }) },
        ),
      )
    }
    await Promise.all(this.nodes.map((n) => n.start()))
  }

  /** The port peers reach this region on (its first live node). */
  port(): number | undefined {
    const n = this.nodes.find((x) => x.state === 'up')
    return n ? Number(new URL(n.httpUrl).port) : undefined
  }

  get httpUrl(): string {
    return (this.nodes.find((x) => x.state === 'up') ?? this.nodes[0]!).httpUrl
  }

  /** The live nodes' sync URLs; every node's while none is up (a client then retries until one is back). */
  get wsUrls(): string[] {
    const up = this.nodes.filter((x) => x.state === 'up')
    return (up.length > 0 ? up : this.nodes).map((n) => n.wsUrl)
  }

  /** Sum of a Prometheus counter over the region's live nodes (every label). */
  async metric(name: string): Promise<number> {
    let sum = 0
    for (const n of this.nodes.filter((x) => x.state === 'up')) {
      const text = await (await fetch(`${n.httpUrl}/metrics`)).text()
      for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1))
    }
    return sum
  }

  /** Runs SQL on the region's own database, behind the protocol's back (fault injection). */
  query(sql: string, params: readonly unknown[] = []): ReturnType<PgCluster['query']> {
    return this.pg.query(sql, params, 'weft')
  }

  /** kill -9 of the region's PostgreSQL (postmaster and backends); {@link startPg} runs crash recovery. */
  crashPg(): Promise<void> {
    return this.pg.crash()
  }

  startPg(): Promise<void> {
    return this.pg.start()
  }

  /** kill -9 of the region's NATS server; {@link startNats} brings it back on its port and data dir. */
  killNats(): Promise<void> {
    return this.nats.kill()
  }

  startNats(): Promise<void> {
    return this.nats.up()
  }

  /**
   * Destroys the whole region: every node killed -9, its PostgreSQL killed
   * -9 and its data dir deleted, its NATS server killed and its data dir
   * removed. What the region alone held is gone.
   */
  async wipe(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()))
    await Promise.all([this.pg.destroy(), this.nats.stop()])
  }

  async down(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.stop()))
    await Promise.allSettled([this.nats?.stop(), this.pg?.destroy()])
  }
}
