import { type Socket, connect, createServer } from 'node:net'

/**
 * A TCP proxy on loopback that delivers every chunk `oneWayMs` late in each
 * direction, in order: a WAN link between the bench and a local server, for
 * servers the network-namespace harness does not host (PostgreSQL). Equal
 * delays keep order: timers of one delay fire in the order they were set.
 */
export async function startDelayProxy(target: { host: string; port: number }, oneWayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.setNoDelay(true)
      s.on('close', () => sockets.delete(s))
      // A peer that closes or resets ends the other side too; errors are that, not bench failures.
      s.on('error', () => {})
    }
    const relay = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), oneWayMs))
      from.on('end', () => setTimeout(() => to.end(), oneWayMs))
      from.on('close', () => setTimeout(() => to.destroy(), oneWayMs))
    }
    relay(client, upstream)
    relay(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the delay proxy has no TCP port')
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
