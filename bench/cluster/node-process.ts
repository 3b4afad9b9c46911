import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url))

/** A built `weft-server` process (run `pnpm bench:cluster`, which builds first). */
export interface NodeProcess {
  readonly child: ChildProcess
  readonly wsUrl: string
  /** CPU time used so far (user + system), ms, from /proc. */
  cpuMs(): number
  stop(): Promise<void>
}

export async function startNode(args: readonly string[]): Promise<NodeProcess> {
  const child = spawn(process.execPath, [cli, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WEFT_LOG_LEVEL: 'info' } })
  const logs: string[] = []
  child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()))
  const wsUrl = await new Promise<string>((resolve, reject) => {
    let buf = ''
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      for (const line of buf.split('\n')) {
        if (line.includes('"msg":"ready"')) resolve((JSON.parse(line) as { ws: string }).ws)
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1)
    })
    child.once('exit', (code) => reject(new Error(`weft-server exited (${code}): ${logs.join('')}`)))
  })
  const pid = child.pid as number
  return {
    child,
    wsUrl,
    cpuMs: () => procCpuMs(pid),
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** utime + stime of a process, ms (Linux /proc; USER_HZ 100). */
export function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100
  } catch {
    return 0
  }
}
