import { randomBytes } from 'node:crypto'
import { bundleCli } from '../../cluster/harness/bundle-cli.js'
import { LinkProxy } from './link-proxy.js'
import { type NetnsWan, netnsUnavailable, openNetnsWan } from './netns-wan.js'
import { Region } from './region.js'

/** A set of regions on one machine, every pair linked with a one-way delay, cuttable. */
export interface Regions {
  /** `netns`: each region its own network namespace, the WAN a user-space delayer; `proxies`: TCP proxies on loopback. */
  readonly mode: 'netns' | 'proxies'
  readonly regions: ReadonlyMap<string, Region>
  /** The shared peer secret (also opens every node's audit routes). */
  readonly secret: string
  get(name: string): Region
  /** The one-way delay between two regions. */
  delayOf(a: string, b: string): number
  /** Cuts (or heals) both directions between two regions. */
  setLink(a: string, b: string, cut: boolean): void
  /** Cuts (or heals) every link of one region. */
  isolate(name: string, cut: boolean): void
  /** Bytes carried between regions so far: TCP payload (and, in netns mode, whole IP packets). */
  linkBytes(): Promise<{ payload: number; ip: number | undefined }>
  close(): Promise<void>
}

export interface RegionsOptions {
  readonly names: readonly string[]
  readonly nodesPerRegion?: number
  /** Node counts of particular regions (the rest have `nodesPerRegion`). */
  readonly nodes?: Readonly<Record<string, number>>
  /** More flags and environment for every node. */
  readonly args?: readonly string[]
  readonly env?: Readonly<Record<string, string>>
  /** One-way delay between two regions, in ms (a number: every pair alike). */
  readonly delayMs?: number | ((a: string, b: string) => number)
  /** Force the loopback proxies even where netns would work. */
  readonly proxies?: boolean
  /** Full anti-entropy pass (version vectors, then digests) this often (default 3000 ms: tests see a pass soon). */
  readonly antiEntropyMs?: number
}

const NODE_PORT = 8786

/**
 * Starts the regions: in network namespaces when this machine allows it
 * (root, /dev/net/tun, `ip`, `python3`), otherwise through TCP proxies on
 * loopback, saying so on stdout so a run on another machine stays green
 * without pretending to be isolated.
 */
export async function startRegions(o: RegionsOptions): Promise<Regions> {
  const cli = await bundleCli()
  const secret = randomBytes(24).toString('hex')
  const delay = (a: string, b: string) => (typeof o.delayMs === 'function' ? o.delayMs(a < b ? a : b, a < b ? b : a) : (o.delayMs ?? 0))
  const delays = new Map<string, number>()
  for (const a of o.names) for (const b of o.names) if (a < b) delays.set(`${a}|${b}`, delay(a, b))
  const delayOf = (a: string, b: string) => delays.get(a < b ? `${a}|${b}` : `${b}|${a}`) ?? 0
  const why = o.proxies ? 'asked for proxies' : netnsUnavailable()
  const regions = new Map<string, Region>()
  const nodes = (name: string) => o.nodes?.[name] ?? o.nodesPerRegion ?? 1
  const env = { args: o.args ?? [], env: { WEFT_ANTI_ENTROPY_MS: String(o.antiEntropyMs ?? 3000), ...o.env } }
  const pairs = [...delays].map(([k, v]) => `${k.replace('|', '-')} ${v} ms`).join(', ')

  let wan: NetnsWan | undefined
  let netnsError: string | undefined
  if (why === undefined) {
    try {
      wan = await openNetnsWan(o.names)
    } catch (error) {
      netnsError = error instanceof Error ? error.message : String(error)
    }
  }
  const links = new Map<string, LinkProxy>()
  if (wan) {
    const w = wan
    for (const [k, v] of delays) {
      const [a, b] = k.split('|') as [string, string]
      w.setDelay(a, b, v)
    }
    for (const name of o.names) {
      const peers = () =>
        o.names
          .filter((p) => p !== name)
          .map((p) => `${p}=http://${w.ip(p)}:${NODE_PORT + 1}`)
          .join(',')
      regions.set(name, new Region(name, cli, nodes(name), secret, { wrap: w.wrap(name), host: w.ip(name), nodePort: (i) => NODE_PORT + i, peers }, env))
    }
    process.stdout.write(`[regions] network namespaces ${o.names.map((n) => w.ns(n)).join(', ')}; one-way delays ${pairs}\n`)
  } else {
    process.stdout.write(
      `[regions] SKIPPING network isolation (${why ?? netnsError}): regions share loopback and are linked through delayed TCP proxies; one-way delays ${pairs}\n`,
    )
    for (const name of o.names) {
      const mine = new Map<string, LinkProxy>()
      for (const peer of o.names.filter((p) => p !== name)) {
        const link = await LinkProxy.open(() => regions.get(peer)?.port(), delayOf(name, peer))
        mine.set(peer, link)
        links.set(`${name}>${peer}`, link)
      }
      const peers = () => [...mine].map(([p, link]) => `${p}=${link.url}`).join(',')
      regions.set(name, new Region(name, cli, nodes(name), secret, { wrap: [], host: '127.0.0.1', nodePort: () => undefined, peers }, env))
    }
  }
  const setLink = (a: string, b: string, cut: boolean) => {
    if (wan) wan.setCut(a, b, cut)
    links.get(`${a}>${b}`)?.setCut(cut)
    links.get(`${b}>${a}`)?.setCut(cut)
  }
  const close = async () => {
    await Promise.allSettled([...regions.values()].map((r) => r.down()))
    await Promise.allSettled([...links.values()].map((l) => l.close()))
    await wan?.close()
  }
  try {
    await Promise.all([...regions.values()].map((r) => r.up()))
  } catch (error) {
    await close()
    throw error
  }
  return {
    mode: wan ? 'netns' : 'proxies',
    regions,
    secret,
    get: (name) => {
      const r = regions.get(name)
      if (!r) throw new Error(`no region ${name}`)
      return r
    },
    delayOf,
    setLink,
    isolate: (name, cut) => {
      for (const other of o.names) if (other !== name) setLink(name, other, cut)
    },
    async linkBytes() {
      if (wan) {
        const b = await wan.bytes()
        return { payload: b.payload, ip: b.ip }
      }
      return { payload: [...links.values()].reduce((s, l) => s + l.bytes, 0), ip: undefined }
    },
    close,
  }
}
