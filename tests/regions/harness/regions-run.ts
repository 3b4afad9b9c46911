import { randomBytes } from 'node:crypto'
import { bundleCli } from '../../cluster/harness/bundle-cli.js'
import { LinkProxy } from './link-proxy.js'
import { Region } from './region.js'

/** A set of regions on one machine, every pair linked through cuttable, delayed proxies. */
export interface Regions {
  readonly regions: ReadonlyMap<string, Region>
  /** The shared peer secret (also opens every node's audit routes). */
  readonly secret: string
  get(name: string): Region
  /** Cuts (or heals) both directions between two regions. */
  setLink(a: string, b: string, cut: boolean): void
  /** Cuts (or heals) every link of one region. */
  isolate(name: string, cut: boolean): void
  /** Bytes carried over every link so far. */
  linkBytes(): number
  close(): Promise<void>
}

export async function startRegions(o: {
  names: readonly string[]
  nodesPerRegion?: number
  /** Node counts of particular regions (the rest have `nodesPerRegion`). */
  nodes?: Readonly<Record<string, number>>
  delayMs?: number
  /** More flags and environment for every node. */
  args?: readonly string[]
  env?: Readonly<Record<string, string>>
}): Promise<Regions> {
  const cli = await bundleCli()
  const secret = randomBytes(24).toString('hex')
  const regions = new Map<string, Region>()
  const links = new Map<string, LinkProxy>()
  for (const name of o.names) {
    const mine = new Map<string, LinkProxy>()
    for (const peer of o.names.filter((p) => p !== name)) {
      const link = await LinkProxy.open(() => regions.get(peer)?.port(), o.delayMs ?? 0)
      mine.set(peer, link)
      links.set(`${name}>${peer}`, link)
    }
    regions.set(name, new Region(name, cli, o.nodes?.[name] ?? o.nodesPerRegion ?? 1, secret, mine, { args: o.args ?? [], env: o.env ?? {} }))
  }
  await Promise.all([...regions.values()].map((r) => r.up()))
  const setLink = (a: string, b: string, cut: boolean) => {
    links.get(`${a}>${b}`)?.setCut(cut)
    links.get(`${b}>${a}`)?.setCut(cut)
  }
  return {
    regions,
    secret,
    get: (name) => {
      const r = regions.get(name)
      if (!r) throw new Error(`no region ${name}`)
      return r
    },
    setLink,
    isolate: (name, cut) => {
      for (const other of o.names) if (other !== name) setLink(name, other, cut)
    },
    linkBytes: () => [...links.values()].reduce((s, l) => s + l.bytes, 0),
    async close() {
      await Promise.allSettled([...regions.values()].map((r) => r.down()))
      await Promise.allSettled([...links.values()].map((l) => l.close()))
    },
  }
}
