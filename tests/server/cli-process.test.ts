import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { type Server, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type ServerProcess, startServerProcess } from './helpers/server-process.js'

describe('weft-server CLI as a real process', () => {
  let dir: string
  let proc: ServerProcess | undefined
  afterEach(() => {
    proc?.child.kill('SIGKILL')
    proc = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it('starts on a SQLite file, answers /healthz, and exits 0 on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-cli-'))
    proc = await startServerProcess(['--db', join(dir, 'weft.db')], { WEFT_JWT_SECRET: 'secret' })
    expect(proc.url.startsWith('http://127.0.0.1:')).toBe(true)
    expect((await fetch(`${proc.url}/healthz`)).status).toBe(200)
    expect(proc.logs.some((l) => l.includes('OPEN DEV MODE'))).toBe(false)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toEqual({ code: 0, signal: null })
    expect(proc.logs.some((l) => l.includes('weft server closed'))).toBe(true)
  })

  it('refuses a --db file that is not a database with exit 1 and one line saying what to do', async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-cli-'))
    const notADb = join(dir, 'notes.md')
    writeFileSync(notADb, '# my notes\n'.repeat(500))
    const failure = await startServerProcess(['--db', notADb]).then(
      () => new Error('the server started'),
      (e: unknown) => e as Error,
    )
    expect(failure.message).toContain('code 1')
    expect(failure.message).toContain(`weft-server failed to start: could not open the SQLite database ${notADb}`)
    expect(failure.message).toContain('--db (WEFT_DB)')
    expect(failure.message).not.toMatch(/\n\s+at /) // no stack trace for a user's mistake
  })

  it('with its port taken: exit 1, a hint naming --port (WEFT_PORT), and no database file left behind', async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-cli-'))
    const blocker: Server = createServer()
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok))
    const address = blocker.address()
    const port = typeof address === 'object' && address ? address.port : 0
    try {
      const failure = await startServerProcess(['--port', String(port), '--db', join(dir, 'weft.db')]).then(
        () => new Error('the server started'),
        (e: unknown) => e as Error,
      )
      expect(failure.message).toContain('code 1')
      expect(failure.message).toContain(`127.0.0.1:${port} is already in use`)
      expect(failure.message).toContain('--port (WEFT_PORT')
      expect(readdirSync(dir)).toEqual([])
      expect(existsSync(join(dir, 'weft.db'))).toBe(false)
    } finally {
      blocker.close()
    }
  })
})
