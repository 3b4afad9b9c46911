import { type TempDatabase, createTempDatabase } from '../../support/pg-database.js'
import { ClusterNode } from '../../cluster/harness/cluster-node.js'
import { NatsProcess } from '../../cluster/harness/nats-process.js'
import type { LinkProxy } from './link-proxy.js'

/** One region: its own PostgreSQL database, its own NATS server, and its node processes. */
export class Region {
  readonly nodes: ClusterNode[] = []
  db!: TempDatabase
  nats!: NatsProcess

  constructor(
    readonly name: string,
    private readonly cli: string,
    private readonly nodeCount: number,
    private readonly secret: string,
    /** Proxies this region reaches its peers through, by peer name. */
    readonly links: Map<string, LinkProxy>,
    /** More flags and environment for every node (an admin token, the auditor). */
    private readonly extra: { readonly args?: readonly string[]; readonly env?: Readonly<Record<string, string>> } = {},
  ) {}

  /** Creates the database and NATS server, then starts every node. */
  async up(): Promise<void> {
    this.db = await createTempDatabase()
    this.nats = await NatsProcess.start()
    this.nodes.length = 0
    for (let i = 1; i <= this.nodeCount; i++) {
      const peers = [...this.links].map(([name, link]) => `${name}=${link.url}`).join(',')
      const args = [
        ...['--store', this.db.url, '--bus', this.nats.url, '--bus-prefix', `weft-${this.name}`, '--region', this.name, '--store-pool', '3'],
        ...(this.extra.args ?? []),
      ]
      this.nodes.push(
        new ClusterNode(
          `${this.name}-${i}`,
          args,
          {
            WEFT_PEERS: peers,
            WEFT_PEER_SECRET: this.secret,
            WEFT_COMPACTION_THRESHOLD: '100000',
            ...this.extra.env,
            ...(process.env.WEFT_REGIONS_LOGS && { WEFT_LOG_LEVEL: 'debug' }),
          },
          this.cli,
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

  get wsUrls(): string[] {
    return this.nodes.filter((x) => x.state === 'up').map((n) => n.wsUrl)
  }

  /**
   * Destroys the whole region: every node killed -9, its database dropped,
   * its NATS server killed and its data directory removed. What the region
   * alone held is gone.
   */
  async wipe(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()))
    await this.db.drop()
    await this.nats.stop()
  }

  async down(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()))
    await this.nats.stop()
    await this.db.drop()
  }
}
