import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * Real network isolation for the regions harness: each region a network
 * namespace (`weft-<pid>-<run>-<region>`) with one veth to a router
 * namespace; the harness (and the test's clients) reach the regions through
 * an uplink veth from the root namespace, with no delay (a client is near its
 * region). Traffic between two regions goes through the router's TUN device
 * and {@link ../wan-delayer.py}, which holds it for the pair's one-way delay
 * or drops it while the pair is cut (this kernel has no netem). Addresses
 * are 10.S.K.2 for region K, in a 10.S/16 no route of the machine uses.
 */
export interface NetnsWan {
  /** The namespace a region's processes run in. */
  ns(region: string): string
  /** The region's address (its nodes, PostgreSQL and NATS listen there). */
  ip(region: string): string
  /** argv prefix that runs a command inside the region's namespace. */
  wrap(region: string): string[]
  setDelay(a: string, b: string, ms: number): void
  /** Cuts (or heals) both directions between two regions: packets are dropped silently. */
  setCut(a: string, b: string, cut: boolean): void
  /** Bytes carried between regions so far (IP packets and TCP payload), both directions of every pair. */
  bytes(): Promise<{ ip: number; payload: number }>
  close(): Promise<void>
}

/** Why netns isolation cannot run here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.env.WEFT_REGIONS_NETNS === '0') return 'WEFT_REGIONS_NETNS=0'
  if (process.platform !== 'linux') return `not Linux (${process.platform})`
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root (network namespaces need CAP_NET_ADMIN)'
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun'
  for (const bin of ['ip', 'python3']) {
    try {
      execFileSync(bin, ['-V'], { stdio: 'ignore' })
    } catch {
      return `no ${bin} on PATH`
    }
  }
  return undefined
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function inNs(ns: string, script: string): void {
  execFileSync('ip', ['netns', 'exec', ns, 'sh', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Namespaces an earlier run of this harness left behind when its process died (their pid is gone). */
function removeStale(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const m = /^(weft-(\d+)-[0-9a-f]+-\S+)/.exec(line)
    if (!m?.[1] || alive(Number(m[2]))) continue
    killNsProcesses(m[1])
    try {
      ip('netns', 'del', m[1])
    } catch {}
  }
}

/** Every process still running inside a namespace this harness made (only ours live there). */
function killNsProcesses(ns: string): void {
  let pids: string[] = []
  try {
    pids = ip('netns', 'pids', ns).split('\n').filter(Boolean)
  } catch {}
  for (const p of pids) {
    try {
      process.kill(Number(p), 'SIGKILL')
    } catch {}
  }
}

function freeSubnet(): number {
  const used = ip('-4', 'route', 'show', 'table', 'all') + ip('-4', 'addr')
  for (let i = 0; i < 200; i++) {
    const s = 64 + Math.floor(Math.random() * 180)
    if (!used.includes(`10.${s}.`)) return s
  }
  throw new Error('no free 10.S/16 subnet for the regions harness')
}

export async function openNetnsWan(regions: readonly string[]): Promise<NetnsWan> {
  removeStale()
  const run = `weft-${process.pid}-${randomBytes(3).toString('hex')}`
  const s = freeSubnet()
  const router = `${run}-r`
  const index = new Map(regions.map((r, i) => [r, i + 1]))
  const nsOf = (r: string) => `${run}-${r}`
  const k = (r: string): number => {
    const i = index.get(r)
    if (i === undefined) throw new Error(`no region ${r}`)
    return i
  }
  const uplink = `wu${run.slice(-6)}`
  const made: string[] = []
  let delayer: ChildProcess | undefined
  // A run that dies (a hook timing out, a crash) still leaves no namespace or process behind.
  const onExit = () => {
    for (const ns of made) killNsProcesses(ns)
    for (const ns of made) {
      try {
        ip('netns', 'del', ns)
      } catch {}
    }
  }
  process.once('exit', onExit)
  const close = async () => {
    process.off('exit', onExit)
    if (delayer && delayer.exitCode === null) {
      const exited = new Promise((r) => delayer?.once('exit', r))
      delayer.kill('SIGKILL')
      await exited
    }
    for (const ns of made) killNsProcesses(ns)
    for (const ns of made.reverse()) {
      try {
        ip('netns', 'del', ns)
      } catch {}
    }
    try {
      ip('link', 'del', uplink)
    } catch {}
  }
  try {
    for (const ns of [router, ...regions.map(nsOf)]) {
      ip('netns', 'add', ns)
      made.push(ns)
      ip('-n', ns, 'link', 'set', 'lo', 'up')
    }
    inNs(router, 'echo 1 > /proc/sys/net/ipv4/ip_forward; for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > $f; done')
    ip('link', 'add', uplink, 'type', 'veth', 'peer', 'name', 'up0', 'netns', router)
    ip('addr', 'add', `10.${s}.0.2/24`, 'dev', uplink)
    ip('link', 'set', uplink, 'up')
    ip('-n', router, 'addr', 'add', `10.${s}.0.1/24`, 'dev', 'up0')
    ip('-n', router, 'link', 'set', 'up0', 'up')
    ip('route', 'add', `10.${s}.0.0/16`, 'via', `10.${s}.0.1`)
    ip('-n', router, 'tuntap', 'add', 'dev', 'wan0', 'mode', 'tun')
    ip('-n', router, 'link', 'set', 'wan0', 'up')
    for (const r of regions) {
      const i = k(r)
      ip('link', 'add', 'eth0', 'netns', nsOf(r), 'type', 'veth', 'peer', 'name', `r${i}`, 'netns', router)
      ip('-n', nsOf(r), 'addr', 'add', `10.${s}.${i}.2/24`, 'dev', 'eth0')
      ip('-n', nsOf(r), 'link', 'set', 'eth0', 'up')
      ip('-n', nsOf(r), 'route', 'add', 'default', 'via', `10.${s}.${i}.1`)
      ip('-n', router, 'addr', 'add', `10.${s}.${i}.1/24`, 'dev', `r${i}`)
      ip('-n', router, 'link', 'set', `r${i}`, 'up')
      // From a region, traffic for another region goes through the delayer; back from it (iif wan0), the main table.
      ip('-n', router, 'rule', 'add', 'iif', `r${i}`, 'lookup', '100', 'pref', '100')
      ip('-n', router, 'route', 'add', `10.${s}.${i}.0/24`, 'dev', 'wan0', 'table', '100')
    }
    inNs(router, 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > $f; done')
    const script = fileURLToPath(new URL('./wan-delayer.py', import.meta.url))
    const child = spawn('ip', ['netns', 'exec', router, 'python3', script, 'wan0'], { stdio: ['pipe', 'pipe', 'inherit'] })
    delayer = child
    const lines: string[] = []
    const waiters: ((line: string) => void)[] = []
    let buf = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString()
      const parts = buf.split('\n')
      buf = parts.pop() ?? ''
      for (const l of parts) {
        const w = waiters.shift()
        if (w) w(l)
        else lines.push(l)
      }
    })
    const nextLine = () =>
      new Promise<string>((resolve, reject) => {
        const l = lines.shift()
        if (l !== undefined) return resolve(l)
        waiters.push(resolve)
        child.once('exit', (code) => reject(new Error(`wan-delayer exited (${code})`)))
      })
    if ((await nextLine()) !== 'ready') throw new Error('wan-delayer did not start')
    const send = (cmd: string) => child.stdin?.write(`${cmd}\n`)
    return {
      ns: nsOf,
      ip: (r) => `10.${s}.${k(r)}.2`,
      wrap: (r) => ['ip', 'netns', 'exec', nsOf(r)],
      setDelay(a, b, ms) {
        send(`delay ${k(a)} ${k(b)} ${Math.round(ms)}`)
        send(`delay ${k(b)} ${k(a)} ${Math.round(ms)}`)
      },
      setCut(a, b, cut) {
        send(`cut ${k(a)} ${k(b)} ${cut ? 1 : 0}`)
        send(`cut ${k(b)} ${k(a)} ${cut ? 1 : 0}`)
      },
      async bytes() {
        send('stats')
        const stats = JSON.parse(await nextLine()) as Record<string, { ipBytes: number; payloadBytes: number }>
        let ipBytes = 0
        let payload = 0
        for (const v of Object.values(stats)) {
          ipBytes += v.ipBytes
          payload += v.payloadBytes
        }
        return { ip: ipBytes, payload }
      },
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/** Namespaces of this harness still present (for a test asserting cleanup). */
export function harnessNamespaces(): string[] {
  if (!existsSync('/run/netns')) return []
  return readdirSync('/run/netns').filter((n) => n.startsWith(`weft-${process.pid}-`))
}
