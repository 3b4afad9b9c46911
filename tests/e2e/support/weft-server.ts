import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../../..')

/** A free loopback port (the OS picks one; we release it right before the server takes it). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => ok(port))
    })
  })
}

/** A fresh temp SQLite path for one server. */
export function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'weft-e2e-')), 'weft.db')
}

/**
 * The demo server as `pnpm start` runs it (without the build), on its own SQLite file and a
 * free port chosen at the first start (kept across restarts).
 */
export class WeftServer {
  private child: ChildProcess | undefined
  private chosenPort = 0

  constructor(readonly db: string = tempDb()) {}

  get port(): number {
    if (this.chosenPort === 0) throw new Error('the server has no port before its first start()')
    return this.chosenPort
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    if (this.chosenPort === 0) this.chosenPort = await freePort()
    const child = spawn(process.execPath, [join(root, 'scripts/start.mjs'), '--no-build'], {
      cwd: root,
      env: { ...process.env, PORT: String(this.port), WEFT_DB: this.db, WEFT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    this.child = child
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`weft server exited with ${child.exitCode}`)
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`weft server did not start on ${this.url}`)
  }

  /** Graceful stop (SIGTERM: the server flushes its writes and closes SQLite). */
  async stop(): Promise<void> {
    const child = this.child
    this.child = undefined
    if (!child || child.exitCode !== null) return
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill('SIGTERM')
    await exited
  }
}
