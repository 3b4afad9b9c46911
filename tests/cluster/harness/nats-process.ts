import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A free TCP port on loopback (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))))
    })
  })
}

/** A NATS server of the harness's own (never the shared one), restartable on the same port. */
export class NatsProcess {
  private child: ChildProcess | undefined
  private readonly dir = mkdtempSync(join(tmpdir(), 'weft-nats-'))

  private constructor(readonly port: number) {}

  static async start(): Promise<NatsProcess> {
    const n = new NatsProcess(await freePort())
    await n.up()
    return n
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`
  }

  /** Starts the server and resolves once it accepts connections. */
  async up(): Promise<void> {
    const bin = process.env.WEFT_NATS_SERVER ?? '/usr/sbin/nats-server'
    const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.dir], { stdio: 'ignore' })
    this.child = child
    const deadline = Date.now() + 10_000
    for (;;) {
      if (await canConnect(this.port)) return
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`)
      if (Date.now() > deadline) throw new Error('nats-server did not start')
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /** kill -9: everything in flight is lost. */
  async kill(): Promise<void> {
    const c = this.child
    if (!c || c.exitCode !== null) return
    const exited = new Promise((r) => c.once('exit', r))
    c.kill('SIGKILL')
    await exited
  }

  async stop(): Promise<void> {
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
  })
}
