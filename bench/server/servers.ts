import { spawn, type ChildProcess } from 'node:child_process'
import { pinnedCommand } from './pinning.js'
import { underCallgrind } from '../b1b4/callgrind.js'
import { realpathSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ServerKind } from './protocol.js'

const here = dirname(fileURLToPath(import.meta.url))

/** A server under test, running as a child process on 127.0.0.1. */
export interface ServerProcess {
  readonly kind: ServerKind
  readonly pid: number
  readonly port: number
  /** Where the load generator connects (Weft: `/sync`; y-websocket appends `/<doc>`). */
  readonly url: string
  /** SIGTERM (graceful: Weft flushes, Hocuspocus stores), SIGKILL after 10 s. */
  stop(): Promise<void>
}

export interface ServerStartOptions {
  readonly port: number
  /** Private directory for this server's files (SQLite db, update logs). */
  readonly dataDir: string
  /** y-websocket only: append updates to files (cold-load needs something to reload). */
  readonly persistYjs?: boolean
  /** Weft only: write a V8 CPU profile into this directory on exit. */
  readonly cpuProfileDir?: string
  /** Weft only: run `src/cli.ts` through tsx instead of the built `dist/cli.js` (no build needed). */
  readonly fromSource?: boolean
  /** Weft only, for diagnosis: `memory` (no store, nothing durable) or a SQLite `synchronous` mode. Default FULL. */
  readonly weftStore?: 'FULL' | 'NORMAL' | 'memory'
  /** A `taskset -c` CPU list to run the server on, or undefined. */
  readonly cpus?: string | undefined
  /**
   * Run the server under `valgrind --tool=callgrind`, counts to this file (and `.N` per dump): the
   * bench zeroes and dumps them around a measured window with `callgrind_control` (see instructions.ts).
   */
  readonly callgrindOut?: string | undefined
}

/** Maps `@weft/*` to package sources for tsx, so children need no build. */
export const SOURCE_TSCONFIG = join(here, 'tsconfig.json')

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address ? address.port : 0
      s.close(() => resolve(port))
    })
  })
}

function weftCli(fromSource: boolean): string[] {
  const pkg = realpathSync(join(dirname(here), 'node_modules', '@weft', 'server'))
  return fromSource ? ['--import', 'tsx', join(pkg, 'src', 'cli.ts')] : [join(pkg, 'dist', 'cli.js')]
}

function command(kind: ServerKind, o: ServerStartOptions): { args: string[]; env: Record<string, string> } {
  switch (kind) {
    case 'weft':
      return {
        args: [
          ...(o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfileDir}`] : []),
          ...weftCli(o.fromSource === true),
          '--port',
          String(o.port),
          '--host',
          '127.0.0.1',
          '--db',
          o.weftStore === 'memory' ? ':memory:' : join(o.dataDir, 'weft.db'),
          ...(o.weftStore === 'NORMAL' ? ['--synchronous', 'NORMAL'] : []),
          '--log-level',
          'warn',
          // The peers have no per-connection rate limit; catch-up's writer sends 10,000 deltas at once.
          '--max-msgs-per-sec',
          '1000000',
        ],
        env: o.fromSource ? { TSX_TSCONFIG_PATH: SOURCE_TSCONFIG } : {},
      }
    case 'y-websocket':
      return {
        args: [join(here, 'peers', 'y-websocket-server.mjs')],
        env: { PORT: String(o.port), ...(o.persistYjs ? { YPERSIST_DIR: o.dataDir } : {}) },
      }
    case 'hocuspocus':
      return {
        args: [join(here, 'peers', 'hocuspocus-server.mjs')],
        env: { PORT: String(o.port), DB: join(o.dataDir, 'hocuspocus.db') },
      }
  }
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return reject(new Error(`server exited with ${child.exitCode} before listening`))
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve()
      })
      socket.once('error', () => {
        socket.destroy()
        if (Date.now() > deadline) reject(new Error(`server did not listen on ${port} within ${timeoutMs} ms`))
        else setTimeout(attempt, 50)
      })
    }
    attempt()
  })
}

/** Start one server and resolve once its port accepts connections. */
export async function startServer(kind: ServerKind, o: ServerStartOptions): Promise<ServerProcess> {
  const { args, env } = command(kind, o)
  const node = [process.execPath, ...args]
  const full = o.callgrindOut !== undefined ? underCallgrind(o.callgrindOut, node) : node
  const [file, argv] = pinnedCommand(o.cpus, full[0]!, full.slice(1))
  const child = spawn(file, argv, {
    cwd: dirname(here),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    // Under callgrind a server runs about 50 times slower, its start included.
    await waitForPort(o.port, child, o.callgrindOut !== undefined ? 600_000 : 60_000)
  } catch (error) {
    child.kill('SIGKILL')
    throw new Error(`${kind}: ${error instanceof Error ? error.message : String(error)}\n${stderr}`)
  }
  const pid = child.pid
  if (pid === undefined) throw new Error(`${kind}: no pid`)
  return {
    kind,
    pid,
    port: o.port,
    url: kind === 'weft' ? `ws://127.0.0.1:${o.port}/sync` : `ws://127.0.0.1:${o.port}`,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
