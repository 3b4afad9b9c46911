import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StoreOpenError, explainStartupError } from './startup-error.js'
import { SqliteStore } from './store/sqlite-store.js'
import { SqliteWorkerStore } from './store/sqlite-worker-store.js'

/** What opening `path` really throws, on the main thread or through the worker. */
async function openFailure(path: string, thread: 'main' | 'worker'): Promise<unknown> {
  try {
    const store = thread === 'main' ? new SqliteStore({ path }) : await SqliteWorkerStore.open({ path })
    await store.close()
  } catch (error) {
    return error
  }
  throw new Error(`opening ${path} did not fail`)
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
}

describe('startup errors say what was wrong and what to do', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-startup-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  for (const thread of ['main', 'worker'] as const) {
    it(`a file that is not a SQLite database names the file and --db (${thread} thread)`, async () => {
      const path = join(dir, 'notes.txt')
      writeFileSync(path, 'these are my notes, not a database '.repeat(200))
      const message = new StoreOpenError(path, await openFailure(path, thread)).message
      expect(message).toContain(path)
      expect(message).toMatch(/not a SQLite database or is damaged/)
      expect(message).toContain('--db (WEFT_DB)')
    })

    it(`a missing directory says to create it (${thread} thread)`, async () => {
      const path = join(dir, 'missing', 'weft.db')
      const message = new StoreOpenError(path, await openFailure(path, thread)).message
      expect(message).toContain(path)
      expect(message).toMatch(/create its directory/)
    })
  }

  it('a port already in use names the address and --port', async () => {
    const first = createServer()
    const second = createServer()
    try {
      const port = await listen(first)
      const error = await listen(second, port).then(
        () => undefined,
        (e: unknown) => e,
      )
      const message = explainStartupError(error, { port, host: '127.0.0.1', db: 'weft.db' })
      expect(message).toContain(`127.0.0.1:${port} is already in use`)
      expect(message).toContain('--port')
    } finally {
      first.close()
      second.close()
    }
  })

  it('anything else is left unexplained, so the CLI prints its stack', () => {
    expect(explainStartupError(new TypeError('x is undefined'), { port: 1, host: 'h', db: 'd' })).toBeUndefined()
  })
})
