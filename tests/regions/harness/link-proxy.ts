import { type Server, type Socket, createServer } from 'node:net'

/**
 * One direction of a link between two regions: a TCP proxy on loopback that
 * forwards to the peer's port, adds a one-way delay to every chunk, and can
 * be cut (every open connection destroyed, new ones refused) and healed.
 * Portable stand-in for netns + tc netem (which need root): the traffic
 * between regions goes through it and nothing else.
 */
export class LinkProxy {
  private readonly sockets = new Set<Socket>()
  private cut = false
  /** Bytes carried towards the peer and back. */
  bytes = 0

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: () => number | undefined,
    private readonly delayMs: number,
  ) {}

  static async open(target: () => number | undefined, delayMs = 0): Promise<LinkProxy> {
    let self: LinkProxy | undefined
    const server = createServer((s) => self?.accept(s))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const a = server.address()
    self = new LinkProxy(server, typeof a === 'object' && a ? a.port : 0, target, delayMs)
    return self
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  setCut(cut: boolean): void {
    this.cut = cut
    if (cut) for (const s of this.sockets) s.destroy()
  }

  async close(): Promise<void> {
    this.setCut(true)
    await new Promise((r) => this.server.close(r))
  }

  private accept(client: Socket): void {
    const port = this.target()
    if (this.cut || port === undefined) {
      client.destroy()
      return
    }
    const upstream = new (client.constructor as typeof Socket)()
    upstream.connect(port, '127.0.0.1')
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
      s.on('error', () => {})
    }
    const pipe = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        this.bytes += chunk.length
        if (this.delayMs === 0) to.write(chunk)
        else setTimeout(() => to.writable && to.write(chunk), this.delayMs)
      })
      from.on('close', () => setTimeout(() => to.destroy(), this.delayMs))
    }
    pipe(client, upstream)
    pipe(upstream, client)
  }
}
