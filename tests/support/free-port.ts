import { createServer } from 'node:net'

/**
 * A TCP port that was free a moment ago on `host`: the kernel picks it (port
 * 0), we close the socket and hand the number on. Servers that must know
 * each other's ports before they start (cluster routes) cannot use port 0
 * themselves; the small race this leaves is retried by the callers' start.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))))
    })
  })
}
