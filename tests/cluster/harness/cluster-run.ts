import { randomBytes } from 'node:crypto'
import { type Client, type DocHandle, createClient, memoryStorage } from '@weft/client'
import { Doc, seededRandom } from '@weft/crdt-core'
import { PostgresStore } from '@weft/server'
import { createTestDatabase } from '@weft/server/testing'
import { bundleCli } from './bundle-cli.js'
import { ClusterNode } from './cluster-node.js'
import { NatsProcess } from './nats-process.js'
import { type SetReport, type SetWrite, checkSet } from './set-checker.js'
import { quickClientOptions } from '../../support/quick-client.js'

/** A seeded run of the cluster under faults; every knob has a default for the CI profile. */
export interface ClusterRunOptions {
  readonly seed: number
  readonly nodes?: number
  readonly clients?: number
  readonly docs?: number
  /** How long faults are injected while clients write. */
  readonly faultSeconds: number
  /** Keep injecting past `faultSeconds` until this many nodes were killed (a slow machine restarts slowly), for at most `maxFaultSeconds`. */
  readonly minKills?: number
  readonly maxFaultSeconds?: number
  /** Mean gap between two faults. */
  readonly faultEveryMs?: number
  readonly writeEveryMs?: number
  /** Share of incoming bus deltas each node loses on purpose (`WEFT_TEST_BUS_DROP`). */
  readonly busDrop?: number
  readonly log?: (line: string) => void
}

export interface ClusterRunResult {
  readonly seed: number
  readonly faults: { kills: number; pauses: number; natsRestarts: number; pgTerminations: number }
  readonly writes: number
  readonly reports: Record<string, SetReport>
  /** Replicas (clients, a fresh reader per node, the store) whose digest differs from the first client's, per doc. */
  readonly divergent: Record<string, readonly string[]>
  readonly seconds: number
}

interface TrackedWrite extends SetWrite {
  readonly doc: string
  ackedAt: number | undefined
}

/**
 * Starts real `weft-server` processes over one PostgreSQL database and one
 * NATS server of the run's own, drives real `@weft/client` clients (each
 * given every node's URL) that keep adding unique elements to shared lists,
 * injects seeded faults (kill -9 and restart of nodes, SIGSTOP/SIGCONT, NATS
 * killed and restarted, PostgreSQL connections terminated), then heals
 * everything and checks every replica with {@link checkSet} and `digest()`.
 */
export async function runCluster(o: ClusterRunOptions): Promise<ClusterRunResult> {
  const started = Date.now()
  const log = o.log ?? (() => {})
  const rand = seededRandom(o.seed)
  const between = (lo: number, hi: number) => lo + rand() * (hi - lo)
  const db = await createTestDatabase()
  const nats = await NatsProcess.start()
  const prefix = `weft_cluster_${randomBytes(4).toString('hex')}`
  const args = [
    '--store',
    db.url,
    '--store-pool',
    '3',
    '--bus',
    nats.url,
    '--bus-prefix',
    prefix,
    '--node-ttl-ms',
    '2000',
    '--compaction-threshold',
    '60',
    '--compaction-keep-tail',
    '10',
  ]
  const env = { WEFT_TEST_BUS_DROP: String(o.busDrop ?? 0.1), WEFT_HELLO_TIMEOUT_MS: '5000' }
  const cli = await bundleCli()
  const nodes = Array.from({ length: o.nodes ?? 3 }, (_, i) => new ClusterNode(`n${i + 1}`, args, env, cli))
  const clients: Client[] = []
  const restarts = new Set<Promise<void>>()
  const faults = { kills: 0, pauses: 0, natsRestarts: 0, pgTerminations: 0 }
  const writes: TrackedWrite[] = []
  const docIds = Array.from({ length: o.docs ?? 2 }, (_, i) => `set:${i}`)
  const timers: ReturnType<typeof setTimeout>[] = []
  try {
    await Promise.all(nodes.map((n) => n.start()))
    log(`seed ${o.seed}: ${nodes.length} nodes up over ${db.name} and ${nats.url}`)
    const urls = nodes.map((n) => n.wsUrl)
    const handles: DocHandle[] = []
    for (let c = 0; c < (o.clients ?? 6); c++) {
      const client = createClient({
        url: urls,
        ...quickClientOptions(),
      })
      clients.push(client)
      const mine = docIds.map((d) => client.doc(d))
      handles.push(...mine)
      let k = 0
      const write = () => {
        const h = mine[k % mine.length] as DocHandle
        const element = `c${c}.${k++}`
        h.doc.getList('set').push(element)
        const w: TrackedWrite = { element, doc: h.id, ackedAt: undefined }
        writes.push(w)
        h.whenSaved('server').then(
          () => {
            w.ackedAt ??= Date.now()
          },
          () => {},
        )
        timers[c] = setTimeout(write, between(0.5, 1.5) * (o.writeEveryMs ?? 40))
      }
      timers[c] = setTimeout(write, between(0, 200))
    }

    const up = () => nodes.filter((n) => n.state === 'up')
    const restart = (n: ClusterNode, delayMs: number) => {
      const p = (async () => {
        await new Promise((r) => setTimeout(r, delayMs))
        // A node refuses to start while the bus or the database is down (exit 1, as it should): try again.
        for (let attempt = 1; ; attempt++) {
          const t = Date.now()
          try {
            await n.start()
            log(`${n.id} back in ${Date.now() - t} ms`)
            return
          } catch (e) {
            if (attempt >= 10) throw e
            log(
              `restart of ${n.id} failed (attempt ${attempt}): ${
                String(e)
                  .split('\n')
                  .find((l) => l.includes('failed to start')) ?? String(e).slice(0, 200)
              }`,
            )
            await new Promise((r) => setTimeout(r, 500))
          }
        }
      })()
        .catch((e: unknown) => log(`gave up restarting ${n.id}: ${String(e)}`))
        .finally(() => restarts.delete(p))
      restarts.add(p)
    }
    const faultsEnd = Date.now() + o.faultSeconds * 1000
    const hardEnd = Date.now() + Math.max(o.faultSeconds, o.maxFaultSeconds ?? 0) * 1000
    while (Date.now() < faultsEnd || (faults.kills < (o.minKills ?? 0) && Date.now() < hardEnd)) {
      await new Promise((r) => setTimeout(r, between(0.6, 1.4) * (o.faultEveryMs ?? 3000)))
      const pick = rand()
      const live = up()
      if (pick < 0.75) {
        if (live.length < 2) continue
        const victim = live[Math.floor(rand() * live.length)] as ClusterNode
        await victim.kill()
        faults.kills++
        log(`kill -9 ${victim.id} (${faults.kills})`)
        restart(victim, between(0, 800))
      } else if (pick < 0.85) {
        if (live.length < 2) continue
        const victim = live[Math.floor(rand() * live.length)] as ClusterNode
        const ms = between(500, 3500)
        victim.pause()
        faults.pauses++
        log(`SIGSTOP ${victim.id} for ${Math.round(ms)} ms`)
        setTimeout(() => victim.resume(), ms)
      } else if (pick < 0.93) {
        await nats.kill()
        faults.natsRestarts++
        log('NATS killed')
        await new Promise((r) => setTimeout(r, between(100, 800)))
        await nats.up()
      } else {
        const r = await db.admin('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
          db.name,
        ])
        faults.pgTerminations++
        log(`pg_terminate_backend: ${r.rows[0]?.n ?? 0} connections`)
      }
    }

    // Heal: writers stop, every node comes back, everything settles.
    for (const t of timers) clearTimeout(t)
    for (const n of nodes) n.resume()
    while (restarts.size > 0) await Promise.all([...restarts])
    for (const n of nodes) if (n.state === 'down') await n.start()
    log(`healed after ${Math.round((Date.now() - started) / 1000)} s; waiting for every write to be saved`)
    await withTimeout(Promise.all(handles.map((h) => h.whenSaved('server'))), 90_000, 'every client saving its writes')

    // Final reads: every client, a fresh reader on each node, and the store itself.
    const reports: Record<string, SetReport> = {}
    const divergent: Record<string, string[]> = {}
    const store = await PostgresStore.open({ url: db.url, poolSize: 1 })
    try {
      for (const docId of docIds) {
        const replicas: { replica: string; doc: Doc }[] = []
        handles.filter((h) => h.id === docId).forEach((h, i) => replicas.push({ replica: `client ${i}`, doc: h.doc }))
        const target = (replicas[0] as { doc: Doc }).doc.digest()
        for (const n of nodes) {
          const reader = createClient({ url: n.wsUrl, storage: memoryStorage(), tabs: false, online: false })
          clients.push(reader)
          const h = reader.doc(docId)
          await h.ready
          // A fresh reader has to load the whole doc from a node that may just have come back: give it time,
          // and when it does not catch up say what it and the node report (a wedged node shows here).
          const caughtUp = await until(() => h.doc.digest() === target, 45_000).then(
            () => true,
            () => false,
          )
          if (!caughtUp) {
            const health = await fetch(`${n.httpUrl}/healthz`).then(
              async (r) => `${r.status} ${await r.text()}`,
              (e: unknown) => String(e),
            )
            log(`reader on ${n.id} did not catch up on ${docId} in 45 s: status ${JSON.stringify(h.status)}; node /healthz ${health}`)
          }
          replicas.push({ replica: `reader on ${n.id}`, doc: h.doc })
        }
        const stored = await store.load(docId)
        const fromStore = stored.snapshot ? Doc.load(stored.snapshot.bytes) : new Doc()
        for (const d of stored.deltas) fromStore.applyDelta(d.bytes)
        replicas.push({ replica: 'store', doc: fromStore })
        const at = Date.now()
        reports[docId] = checkSet({
          writes: writes.filter((w) => w.doc === docId),
          finalReads: replicas.map((r) => ({ replica: r.replica, at, elements: r.doc.getList('set').toJSON() as string[] })),
        })
        divergent[docId] = replicas.filter((r) => r.doc.digest() !== target).map((r) => r.replica)
      }
    } finally {
      await store.close()
    }
    return { seed: o.seed, faults, writes: writes.length, reports, divergent, seconds: Math.round((Date.now() - started) / 1000) }
  } finally {
    for (const t of timers) clearTimeout(t)
    await Promise.all(clients.map((c) => c.close().catch(() => {})))
    await Promise.all([...restarts])
    await Promise.all(nodes.map((n) => n.stop().catch(() => n.kill())))
    await nats.stop()
    await db.drop()
  }
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]).finally(() =>
    clearTimeout(t),
  )
}
