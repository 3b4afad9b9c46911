import type { Client } from '@weft/client'
import { afterAll } from 'vitest'
import { type ServerProcess, startServerProcess } from './server-process.js'
import { tempDb } from './temp-server.js'

/**
 * What a suite that runs the real server process needs: a temp SQLite file,
 * the process it started last (killed after the suite) and the clients it
 * opened (closed after the suite). Call it in a `describe` body.
 */
export function processSuite(): {
  readonly db: { readonly path: string }
  readonly clients: Client[]
  start(args: readonly string[], env?: Record<string, string>): Promise<ServerProcess>
} {
  const db = tempDb()
  const clients: Client[] = []
  let proc: ServerProcess | undefined
  afterAll(async () => {
    for (const c of clients) await c.close()
    proc?.child.kill('SIGKILL')
    await proc?.exited
    db.cleanup()
  })
  return {
    db,
    clients,
    start: async (args, env) => {
      proc = await startServerProcess(args, env)
      return proc
    },
  }
}
