import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
/** The CLI source, reached through the workspace link. */
const cli = fileURLToPath(new URL('../../node_modules/@weft/server/src/cli.ts', import.meta.url))

/** tsx's ESM loader (a root devDependency): runs the CLI from source, no build needed. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(`${root}package.json`).resolve('tsx/esm')).href
}

/** A `weft-server` child process. */
export interface ServerProcess {
  readonly child: ChildProcess
  readonly port: number
  readonly url: string
  readonly wsUrl: string
  /** Everything the process logged so far (pino JSON lines). */
  readonly logs: string[]
  /** Resolves with the exit code / signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts the real CLI in a child process and waits for its `ready` log line. */
export async function startServerProcess(
  args: readonly string[],
  env: Record<string, string> = {},
  options: { readyTimeoutMs?: number; bundledCli?: string; nodeArgs?: readonly string[]; wrap?: readonly string[] } = {},
): Promise<ServerProcess> {
  // A bundle of the CLI (the cluster harness makes one) starts in a fraction of tsx's time.
  const entry = options.bundledCli ? [options.bundledCli] : ['--import', tsxLoader(), cli]
  // `wrap` runs the process under a prefix that execs it (e.g. `ip netns exec NS`), so its pid is the server's.
  const argv = [...(options.wrap ?? []), process.execPath, ...(options.nodeArgs ?? []), ...entry, '--port', '0', ...args]
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: root,
    env: { ...process.env, WEFT_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: string[] = []
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const ready = new Promise<{ url: string; ws: string }>((resolve, reject) => {
    let buf = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString()
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const line of lines) {
        logs.push(line)
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string; ws?: string }
          if (entry.msg === 'ready' && entry.url && entry.ws) resolve({ url: entry.url, ws: entry.ws })
        } catch {
          // not JSON: keep it in logs only
        }
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
    void exited.then(({ code, signal }) => reject(new Error(`server exited before ready (code ${code}, signal ${signal}):\n${logs.join('\n')}`)))
  })
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.readyTimeoutMs ?? 20_000)
  try {
    const { url, ws } = await ready
    return { child, port: Number(new URL(url).port), url, wsUrl: ws, logs, exited }
  } finally {
    clearTimeout(timeout)
  }
}
