/**
 * Real NATS JetStream clusters for tests: N `nats-server` processes on
 * loopback, each with its own free client / cluster / monitor ports and temp
 * store dir, routed to each other. Faults are real: kill -9 and restart over
 * the same store, SIGSTOP/SIGCONT (a paused process keeps its TCP
 * connections open, so to its peers it looks like a silent partition).
 * Reused by the regions work; nothing here knows about Weft.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'

export interface NatsClusterOptions {
  /** Number of servers (default 3). */
  readonly size?: number
  /** Path of the nats-server binary (default `nats-server` on PATH, env `NATS_SERVER_BIN`). */
  readonly bin?: string
  /** How long to wait for every node to report healthy (default 20 s). */
  readonly startTimeoutMs?: number
  /**
   * Do not tell clients the other nodes' URLs (`--no_advertise`): a client
   * then reconnects only to the URLs it was given, so a proxy in front of
   * them can cut it off (default false).
   */
  readonly noAdvertise?: boolean
}

export interface NatsNode {
  readonly name: string
  /** `nats://127.0.0.1:PORT`: connect a client here to reach only this node. */
  readonly url: string
  readonly clientPort: number
  readonly clusterPort: number
  readonly monitorPort: number
  readonly storeDir: string
  readonly logFile: string
  /** The running process, or undefined after kill/stop-for-good. */
  readonly process: ChildProcess | undefined
  readonly paused: boolean
}

export interface NatsCluster {
  readonly name: string
  readonly nodes: readonly NatsNode[]
  /** Every node's client URL. */
  readonly urls: readonly string[]
  /** `kill -9` of node i (its store dir stays, for restart). */
  kill(i: number): Promise<void>
  /** Starts node i again over its store dir, on the same ports; resolves once healthy. */
  restart(i: number): Promise<void>
  /** SIGSTOP: the process freezes with its sockets open. */
  pause(i: number): void
  /** SIGCONT after {@link pause}. */
  resume(i: number): void
  /** Kills every node and deletes every store dir. */
  close(): Promise<void>
}

interface MutableNode extends NatsNode {
  process: ChildProcess | undefined
  paused: boolean
}

/**
 * Starts a cluster and waits until each node's `/healthz` says JetStream is up.
 *
 * @example
 * ```ts
 * const cluster = await startNatsCluster({ size: 3 })
 * try { const nc = await connect({ servers: cluster.urls }) } finally { await cluster.close() }
 * ```
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  // The ports are picked free a moment before the servers bind them (cluster routes must be known
  // up front), so another process may take one in between: a node that exits while starting gets
  // the whole cluster started again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options)
    } catch (e) {
      if (!(e instanceof NodeExitedError) || attempt === 3) throw e
    }
  }
}

/** A node exited before it was healthy (a port taken meanwhile, most often); the message has its log's tail. */
class NodeExitedError extends Error {}

async function startOnce(options: NatsClusterOptions): Promise<NatsCluster> {
  const size = options.size ?? 3
  const bin = options.bin ?? process.env.NATS_SERVER_BIN ?? 'nats-server'
  const startTimeoutMs = options.startTimeoutMs ?? 20_000
  const name = `weft_${randomBytes(4).toString('hex')}`
  const root = await mkdtemp(join(tmpdir(), `${name}-`))
  const nodes: MutableNode[] = []
  for (let i = 0; i < size; i++) {
    const storeDir = join(root, `n${i}`)
    nodes.push({
      name: `n${i}`,
      clientPort: await freePort(),
      clusterPort: await freePort(),
      monitorPort: await freePort(),
      storeDir,
      logFile: join(root, `n${i}.log`),
      get url() {
        return `nats://127.0.0.1:${this.clientPort}`
      },
      process: undefined,
      paused: false,
    })
  }
  const routes = nodes.map((n) => `nats://127.0.0.1:${n.clusterPort}`).join(',')

  const spawnNode = (node: MutableNode) => {
    const args = [
      ['-a', '127.0.0.1'],
      ['-p', String(node.clientPort)],
      ['-m', String(node.monitorPort)],
      ['-js'],
      ['-sd', node.storeDir],
      ['--server_name', node.name],
      ['--cluster_name', name],
      ['--cluster', `nats://127.0.0.1:${node.clusterPort}`],
      ['--routes', routes],
      ['-l', node.logFile],
      options.noAdvertise ? ['--no_advertise'] : [],
    ].flat()
    const child = spawn(bin, args, { stdio: 'ignore' })
    child.on('error', () => {})
    node.process = child
    node.paused = false
  }

  const waitHealthy = async (node: MutableNode) => {
    const deadline = Date.now() + startTimeoutMs
    let last = 'no answer'
    while (Date.now() < deadline) {
      if (node.process?.exitCode !== null && node.process?.exitCode !== undefined) {
        const log = await readFile(node.logFile, 'utf8').catch(() => '(no log)')
        throw new NodeExitedError(`nats-server ${node.name} exited with ${node.process.exitCode}; its log ends:\n${log.split('\n').slice(-6).join('\n')}`)
      }
      try {
        const res = await fetch(`http://127.0.0.1:${node.monitorPort}/healthz`, { signal: AbortSignal.timeout(1_000) })
        if (res.ok) return
        last = `${res.status} ${await res.text()}`
      } catch (e) {
        last = String(e)
      }
      await sleep(100)
    }
    throw new Error(`nats-server ${node.name} not healthy after ${startTimeoutMs} ms (${last}); see ${node.logFile}`)
  }

  const stopProcess = async (node: MutableNode) => {
    const child = node.process
    node.process = undefined
    node.paused = false
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGKILL')
    await exited
  }

  for (const node of nodes) spawnNode(node)
  try {
    await Promise.all(nodes.map(waitHealthy))
  } catch (e) {
    await Promise.all(nodes.map(stopProcess))
    await rm(root, { recursive: true, force: true })
    throw e
  }

  const at = (i: number) => {
    const node = nodes[i]
    if (!node) throw new RangeError(`no node ${i} in a cluster of ${nodes.length}`)
    return node
  }
  const signal = (i: number, sig: 'SIGSTOP' | 'SIGCONT') => {
    const node = at(i)
    if (!node.process) throw new Error(`node ${node.name} is not running`)
    node.process.kill(sig)
    node.paused = sig === 'SIGSTOP'
  }

  return {
    name,
    nodes,
    urls: nodes.map((n) => n.url),
    kill: (i) => stopProcess(at(i)),
    async restart(i) {
      const node = at(i)
      await stopProcess(node)
      spawnNode(node)
      await waitHealthy(node)
    },
    pause: (i) => signal(i, 'SIGSTOP'),
    resume: (i) => signal(i, 'SIGCONT'),
    async close() {
      // A paused process ignores nothing but SIGKILL, which is what stopProcess sends.
      await Promise.all(nodes.map(stopProcess))
      await rm(root, { recursive: true, force: true })
    },
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
