import { type ServerProcess, startServerProcess } from '../../server/helpers/server-process.js'

export type NodeState = 'starting' | 'up' | 'paused' | 'down'

/** One real `weft-server` process of the cluster, restartable on its port. */
export class ClusterNode {
  state: NodeState = 'down'
  private proc: ServerProcess | undefined
  private port: number | undefined

  constructor(
    readonly id: string,
    private readonly args: readonly string[],
    private readonly env: Record<string, string>,
    private readonly cli: string,
    /** Where the process runs: an argv prefix (`ip netns exec NS`), the address it is reached on, a fixed port. */
    private readonly placement: { readonly wrap?: readonly string[]; readonly host?: string; readonly port?: number } = {},
  ) {
    this.port = placement.port
  }

  private get host(): string {
    return this.placement.host ?? '127.0.0.1'
  }

  get wsUrl(): string {
    if (this.port === undefined) throw new Error(`${this.id} never started`)
    return `ws://${this.host}:${this.port}/sync`
  }

  get httpUrl(): string {
    return `http://${this.host}:${this.port}`
  }

  /** Starts the process (on its old port after a restart) and resolves once it logged `ready`. */
  async start(): Promise<void> {
    this.state = 'starting'
    const port = this.port === undefined ? [] : ['--port', String(this.port)]
    try {
      // A loaded machine (two cores shared with other work) can take many seconds to start a node from source.
      this.proc = await startServerProcess([...this.args, '--node-id', this.id, ...port], this.env, {
        readyTimeoutMs: 90_000,
        bundledCli: this.cli,
        ...(this.placement.wrap && { wrap: this.placement.wrap }),
      })
    } catch (error) {
      this.state = 'down'
      throw error
    }
    this.port ??= this.proc.port
    this.state = 'up'
  }

  /** kill -9 (only the process this harness started, by its pid). */
  async kill(): Promise<void> {
    const p = this.proc
    if (!p || this.state === 'down') return
    if (this.state === 'paused') p.child.kill('SIGCONT')
    p.child.kill('SIGKILL')
    await p.exited
    this.state = 'down'
  }

  pause(): void {
    if (this.state !== 'up') return
    this.proc?.child.kill('SIGSTOP')
    this.state = 'paused'
  }

  resume(): void {
    if (this.state !== 'paused') return
    this.proc?.child.kill('SIGCONT')
    this.state = 'up'
  }

  /** SIGTERM, waiting for a clean exit (the end of a run). */
  async stop(): Promise<void> {
    const p = this.proc
    if (!p || this.state === 'down') return
    this.resume()
    p.child.kill('SIGTERM')
    const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000)
    await p.exited
    clearTimeout(t)
    this.state = 'down'
  }

  logs(): readonly string[] {
    return this.proc?.logs ?? []
  }
}
