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

/** Where a NATS server runs: an argv prefix (e.g. `ip netns exec NS`) and the address it listens on. */
export interface NatsPlacement {
  readonly wrap?: readonly string[]
  readonly host?: string
}

/** A NATS server of the harness's own (never the shared one), restartable on the same port. */
export class NatsProcess {
  private child: ChildProcess | undefined
  private readonly dir = mkdtempSync(join(tmpdir(), 'weft-nats-'))

  private constructor(
    readonly port: number,
    private readonly placement: NatsPlacement,
  ) {}

  static async start(placement: NatsPlacement = {}): Promise<NatsProcess> {
    const n = new NatsProcess(await freePort(), placement)
    await n.up()
    return n
  }

  private get host(): string {
    return this.placement.host ?? '127.0.0.1'
  }

  get url(): string {
    return `nats://${this.host}:${this.port}`
  }

  /** Starts the server and resolves once it accepts connections. */
  async up(): Promise<void> {
    const bin = process.env.WEFT_NATS_SERVER ?? '/usr/sbin/nats-server'
    const args = ['-a', this.host, '-p', String(this.port), '-js', '-sd', this.dir]
    const wrap = this.placement.wrap ?? []
    const child = wrap.length > 0 ? spawn(wrap[0] as string, [...wrap.slice(1), bin, ...args], { stdio: 'ignore' }) : spawn(bin, args, { stdio: 'ignore' })
    this.child = child
    const deadline = Date.now() + 10_000
    for (;;) {
      if (await canConnect(this.host, this.port)) return
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

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const s = connect(port, host)
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
  })
}
