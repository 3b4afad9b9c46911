import { type Server, type Socket, createServer } from 'node:net'

/** How a cut looks to the connections through the proxy. */
export type CutMode =
  /** Every connection is reset at once, and new ones too (a node whose links went down). */
  | 'reset'
  /** Connections stay open but nothing passes either way (a partition that drops packets); new ones hang too. */
  | 'blackhole'

/**
 * A TCP proxy on loopback in front of one address, that a test can cut and
 * heal: the partition of one process from another without network
 * namespaces. Only this test's own connections pass through it.
 *
 * @example
 * ```ts
 * const p = await startCuttableProxy(4222)
 * connect({ servers: p.url }) // through the proxy
 * p.cut('blackhole'); ...; p.heal()
 * ```
 */
export interface CuttableProxy {
  /** `nats://127.0.0.1:PORT`-style host:port of the proxy. */
  readonly port: number
  readonly cutMode: CutMode | undefined
  cut(mode: CutMode): void
  /** Lets traffic pass again; connections that lived through a black hole are reset (their bytes were lost). */
  heal(): void
  close(): Promise<void>
}

export async function startCuttableProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<CuttableProxy> {
  let mode: CutMode | undefined
  const pairs = new Set<[Socket, Socket | undefined]>()
  const server: Server = createServer((client) => {
    client.on('error', () => {})
    if (mode === 'reset') return void client.destroy()
    if (mode === 'blackhole') {
      // Accepted and ignored, like a SYN answered by nobody behind a NAT: the peer waits for its own timeout.
      client.on('data', () => {})
      pairs.add([client, undefined])
      return
    }
    const upstream = new (client.constructor as typeof Socket)()
    upstream.on('error', () => {})
    const pair: [Socket, Socket | undefined] = [client, upstream]
    pairs.add(pair)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      pairs.delete(pair)
    }
    client.on('close', drop)
    upstream.on('close', drop)
    client.on('data', (b) => mode === undefined && upstream.write(b))
    upstream.on('data', (b) => mode === undefined && client.write(b))
    upstream.connect(targetPort, targetHost)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const resetAll = () => {
    for (const [a, b] of pairs) {
      a.destroy()
      b?.destroy()
    }
    pairs.clear()
  }
  return {
    port,
    get cutMode() {
      return mode
    },
    cut(m) {
      mode = m
      if (m === 'reset') resetAll()
    },
    heal() {
      if (mode === 'blackhole') resetAll()
      mode = undefined
    },
    async close() {
      resetAll()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
