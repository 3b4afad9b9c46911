/**
 * Strong operations across regions on one machine: each region a network
 * namespace of the regions harness ({@link openNetnsWan}: the WAN between
 * namespaces is the user-space delayer, since this kernel has no netem)
 * holding one member of a 3-node JetStream cluster and one `weft-server`
 * whose strong ops (`--strong jetstream`) use that cluster, its own node
 * first. Clients run in the test process and reach every region directly
 * with no delay (a client is near its region); only region-to-region traffic
 * crosses the WAN, so cutting a region off ({@link StrongRegions.isolate})
 * keeps its weft node, its JetStream node and its clients together, on the
 * minority side.
 *
 * Each weft node keeps CRDT docs in its own SQLite file (`--db`, committed
 * on the event loop: the bundled CLI of the cluster harness has no worker file): the AP
 * path acks in the region, as with the regions harness's PostgreSQL, without
 * a PostgreSQL cluster per region (strong ops do not touch the store).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { bundleCli } from '../cluster/harness/bundle-cli.js'
import { ClusterNode } from '../cluster/harness/cluster-node.js'
import { type NetnsWan, netnsUnavailable, openNetnsWan } from '../regions/harness/netns-wan.js'

const NATS_CLIENT = 4222
const NATS_CLUSTER = 6222
const NATS_MONITOR = 8222
const WEFT_PORT = 8787

export interface StrongRegionsOptions {
  /** Region names (three: one JetStream replica each). */
  readonly names: readonly [string, string, string]
  /** One-way delay between two regions, in ms. */
  readonly delayMs: (a: string, b: string) => number
  /** Environment for every weft node. */
  readonly env?: Readonly<Record<string, string>>
}

export interface StrongRegions {
  readonly names: readonly string[]
  /** The strong-ops bucket every weft node uses. */
  readonly bucket: string
  /** The region's weft node (sync URL: `node(r).wsUrl`). */
  node(region: string): ClusterNode
  /** The region's JetStream node, as a client in that region reaches it. */
  natsUrl(region: string): string
  /** Cuts (or heals) every link between the region and the others: packets dropped silently. */
  isolate(region: string, cut: boolean): void
  /** The region whose JetStream node leads the bucket's stream, asked through `via`'s node. */
  leaderRegion(via: string): Promise<string | undefined>
  /** The last lines each JetStream and weft node logged (for a failure report). */
  logs(): Promise<string>
  close(): Promise<void>
}

/** Why the strong regions cannot run here (they need network namespaces), or undefined. */
export function strongRegionsUnavailable(): string | undefined {
  return netnsUnavailable()
}

export async function startStrongRegions(o: StrongRegionsOptions): Promise<StrongRegions> {
  const why = strongRegionsUnavailable()
  if (why) throw new Error(`strong regions need network namespaces: ${why}`)
  const cli = await bundleCli()
  const root = await mkdtemp(join(tmpdir(), 'weft-strong-regions-'))
  const bucket = `weft_test_${randomBytes(6).toString('hex')}`
  const cluster = `weft_${randomBytes(4).toString('hex')}`
  const wan: NetnsWan = await openNetnsWan(o.names)
  const nats = new Map<string, ChildProcess>()
  const nodes = new Map<string, ClusterNode>()
  const close = async () => {
    await Promise.allSettled([...nodes.values()].map((n) => n.stop()))
    await Promise.allSettled(
      [...nats.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGKILL')
        await exited
      }),
    )
    await wan.close()
    await rm(root, { recursive: true, force: true })
  }
  try {
    for (const [a, b] of [
      [o.names[0], o.names[1]],
      [o.names[0], o.names[2]],
      [o.names[1], o.names[2]],
    ] as const)
      wan.setDelay(a, b, o.delayMs(a, b))
    const routes = o.names.map((r) => `nats://${wan.ip(r)}:${NATS_CLUSTER}`).join(',')
    for (const r of o.names) {
      const host = wan.ip(r)
      const args = [
        ...['-a', host, '-p', String(NATS_CLIENT), '-m', String(NATS_MONITOR), '-js', '-sd', join(root, `nats-${r}`)],
        ...[
          '--server_name',
          r,
          '--cluster_name',
          cluster,
          '--cluster',
          `nats://${host}:${NATS_CLUSTER}`,
          '--routes',
          routes,
          '-l',
          join(root, `nats-${r}.log`),
        ],
      ]
      const child = spawn(wan.wrap(r)[0] as string, [...wan.wrap(r).slice(1), process.env.NATS_SERVER_BIN ?? 'nats-server', ...args], { stdio: 'ignore' })
      child.on('error', () => {})
      nats.set(r, child)
    }
    await Promise.all(o.names.map((r) => waitHealthy(`http://${wan.ip(r)}:${NATS_MONITOR}/healthz`, nats.get(r)!, 30_000)))
    // Healthy comes before the meta leader's election; a weft node started earlier gives up opening the bucket.
    await Promise.all(o.names.map((r) => waitMetaLeader(`http://${wan.ip(r)}:${NATS_MONITOR}/jsz`, 30_000)))
    for (const r of o.names) {
      // Its own region's JetStream node first: the others are a WAN away.
      const strongNats = [r, ...o.names.filter((x) => x !== r)].map((x) => `nats://${wan.ip(x)}:${NATS_CLIENT}`).join(',')
      const args = [
        ...['--db', join(root, `weft-${r}.db`), '--sqlite-thread', 'main', '--host', '0.0.0.0', '--region', r],
        ...['--strong', 'jetstream', '--strong-nats', strongNats, '--strong-bucket', bucket],
      ]
      nodes.set(
        r,
        new ClusterNode(`weft-${r}`, args, { WEFT_HELLO_TIMEOUT_MS: '5000', ...o.env }, cli, { wrap: wan.wrap(r), host: wan.ip(r), port: WEFT_PORT }),
      )
    }
    // The first node creates the R=3 bucket; the others find it.
    await nodes.get(o.names[0])!.start()
    await Promise.all(o.names.slice(1).map((r) => nodes.get(r)!.start()))
  } catch (e) {
    await close()
    throw e
  }
  const at = <T>(m: Map<string, T>, r: string): T => {
    const x = m.get(r)
    if (x === undefined) throw new Error(`no region ${r} (regions: ${o.names.join(', ')})`)
    return x
  }
  return {
    names: o.names,
    bucket,
    node: (r) => at(nodes, r),
    natsUrl: (r) => `nats://${wan.ip(r)}:${NATS_CLIENT}`,
    isolate(region, cut) {
      for (const other of o.names) if (other !== region) wan.setCut(region, other, cut)
    },
    async leaderRegion(via) {
      let nc: NatsConnection | undefined
      try {
        nc = await connect({ servers: `nats://${wan.ip(via)}:${NATS_CLIENT}`, timeout: 3_000, reconnect: false, ignoreClusterUpdates: true })
        const jsm = await jetstreamManager(nc, { timeout: 3_000 })
        return (await jsm.streams.info(`KV_${bucket}`)).cluster?.leader
      } catch {
        return undefined
      } finally {
        await nc?.close().catch(() => {})
      }
    },
    async logs() {
      const { readFile } = await import('node:fs/promises')
      const out: string[] = []
      for (const r of o.names) {
        const text = await readFile(join(root, `nats-${r}.log`), 'utf8').catch(() => '')
        out.push(`nats ${r}:\n${text.split('\n').slice(-15).join('\n')}`)
        out.push(`weft ${r}:\n${at(nodes, r).logs().slice(-10).join('\n')}`)
      }
      return out.join('\n')
    },
    close,
  }
}

async function waitHealthy(url: string, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  let last = 'no answer'
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode} before ${url} was healthy`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) })
      if (res.ok) return
      last = `${res.status} ${await res.text()}`
    } catch (e) {
      last = String(e)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} not healthy after ${ms} ms (${last})`)
}

/** Waits until this JetStream server knows its cluster's meta leader (it can create and find streams). */
async function waitMetaLeader(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  let last = 'no answer'
  while (Date.now() < deadline) {
    try {
      const jsz = (await (await fetch(url, { signal: AbortSignal.timeout(1_000) })).json()) as { meta_cluster?: { leader?: string } }
      if (jsz.meta_cluster?.leader) return
      last = JSON.stringify(jsz.meta_cluster ?? null)
    } catch (e) {
      last = String(e)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url}: no JetStream meta leader after ${ms} ms (meta cluster ${last})`)
}
