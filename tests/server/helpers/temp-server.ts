import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ServerOptions, SqliteWorkerStore, type WeftServer, createServer } from '@weft/server'

/** A temp dir holding one SQLite file, removed by `cleanup()`. */
export function tempDb(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-it-'))
  return { path: join(dir, 'weft.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A real server on loopback, port 0, over a real SQLite file written by a worker thread (as the CLI runs it). */
export async function startServer(dbPath: string, options: ServerOptions = {}): Promise<WeftServer> {
  return createServer({ port: 0, logLevel: 'silent', store: await SqliteWorkerStore.open({ path: dbPath }), ...options })
}
