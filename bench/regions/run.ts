/**
 * pnpm bench:regions — replication between regions, each a real weft-server
 * process over its own PostgreSQL cluster and NATS server, in its own network
 * namespace with the harness's WAN delay between them (TCP proxies on
 * loopback where namespaces are unavailable; the output says which):
 *
 * - lag: a writer in region a, a reader in region b; time from the local edit
 *   to the element showing in b's client (both clients' own server hop
 *   included), p50/p99, against the link's one-way delay;
 * - bytes: everything that crossed between the regions per edit, both
 *   directions (streams, keep-alives, requests), TCP payload and whole IP
 *   packets, against the deltas' own bytes;
 * - catch-up: region b cut off while N edits land on 20 docs in a; time from
 *   the heal until b's reader holds them all, for two N.
 *
 * The lag runs use the server's own anti-entropy period (30 s), not the test
 * harness's 3 s: each pass ends the heads stream and the next one starts a
 * round trip later, so the harness's period would stall one edit in sixty.
 * The first edit of a new doc crosses by a pull (the peer has never told its
 * head) and is reported on its own, not in the percentiles.
 *
 * WEFT_BENCH_DELAYS=40,100 WEFT_BENCH_EDITS=200 WEFT_BENCH_PARTITION_S=10
 * WEFT_BENCH_ANTI_ENTROPY_MS=3000 change the profile.
 */
import { writeFileSync } from 'node:fs'
import type { DocHandle } from '@weft/client'
import { elements, regionClient, until } from '../../tests/regions/harness/readers.js'
import { startRegions } from '../../tests/regions/harness/regions-run.js'

const DELAYS = (process.env.WEFT_BENCH_DELAYS ?? '40,100').split(',').map(Number)
const EDITS = Number(process.env.WEFT_BENCH_EDITS ?? 200)
const PARTITION_S = Number(process.env.WEFT_BENCH_PARTITION_S ?? 60)
const ANTI_ENTROPY_MS = Number(process.env.WEFT_BENCH_ANTI_ENTROPY_MS ?? 30_000)

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN
}

interface LagRow {
  delayMs: number
  p50: number
  p99: number
  firstEditMs: number
  bytesPerEdit: number
  ipBytesPerEdit: number | undefined
  deltaBytesPerEdit: number
  mode: string
}

async function lagRun(delayMs: number): Promise<LagRow> {
  const net = await startRegions({ names: ['a', 'b'], delayMs, antiEntropyMs: ANTI_ENTROPY_MS })
  try {
    const wa = regionClient(net.get('a'))
    const rb = regionClient(net.get('b'))
    const w = wa.doc('bench:lag')
    const r = rb.doc('bench:lag')
    await Promise.all([w.whenSaved('server'), r.ready])
    const sentAt = new Map<string, number>()
    const lags: number[] = []
    const seen = new Set<string>()
    r.doc.on('change', () => {
      for (const e of elements(r)) {
        if (seen.has(e)) continue
        seen.add(e)
        const t = sentAt.get(e)
        if (t !== undefined) lags.push(performance.now() - t)
      }
    })
    let deltaBytes = 0
    w.doc.on('delta', (bytes: Uint8Array) => {
      deltaBytes += bytes.length
    })
    const first = performance.now()
    w.doc.getList('set').push('first')
    await until(() => elements(r).includes('first'), 60_000, 'the first edit reached b')
    const firstEditMs = performance.now() - first
    await new Promise((res) => setTimeout(res, 1000))
    deltaBytes = 0
    const bytes0 = await net.linkBytes()
    for (let i = 0; i < EDITS; i++) {
      const e = `e${i}`
      sentAt.set(e, performance.now())
      w.doc.getList('set').push(e)
      await new Promise((res) => setTimeout(res, 50))
    }
    await until(() => lags.length >= EDITS, 60_000, 'every edit reached b')
    const bytes1 = await net.linkBytes()
    await Promise.all([wa.close(), rb.close()])
    return {
      delayMs,
      p50: pct(lags, 50),
      p99: pct(lags, 99),
      firstEditMs,
      bytesPerEdit: (bytes1.payload - bytes0.payload) / EDITS,
      ipBytesPerEdit: bytes1.ip === undefined || bytes0.ip === undefined ? undefined : (bytes1.ip - bytes0.ip) / EDITS,
      deltaBytesPerEdit: deltaBytes / EDITS,
      mode: net.mode,
    }
  } finally {
    await net.close()
  }
}

async function catchUp(missed: number): Promise<{ missed: number; docs: number; ms: number }> {
  const docs = 20
  const net = await startRegions({ names: ['a', 'b'], delayMs: 40 })
  try {
    const wa = regionClient(net.get('a'))
    const hs: DocHandle[] = Array.from({ length: docs }, (_, i) => wa.doc(`bench:cu${i}`))
    net.isolate('b', true)
    const started = Date.now()
    for (let i = 0; i < missed; i++) hs[i % docs]!.doc.getList('set').push(`m${i}`)
    await Promise.all(hs.map((h) => h.whenSaved('server')))
    const rest = PARTITION_S * 1000 - (Date.now() - started)
    if (rest > 0) await new Promise((res) => setTimeout(res, rest))
    const rb = regionClient(net.get('b'))
    const rs = hs.map((h) => rb.doc(h.id))
    const healed = Date.now()
    net.isolate('b', false)
    await until(() => rs.reduce((s, h) => s + elements(h).length, 0) >= missed, 120_000, 'b caught up')
    const ms = Date.now() - healed
    await Promise.all([wa.close(), rb.close()])
    return { missed, docs, ms }
  } finally {
    await net.close()
  }
}

const load0 = (await import('node:os')).loadavg()[0] ?? 0
const cpu0 = process.cpuUsage()
const lag: LagRow[] = []
for (const d of DELAYS) {
  lag.push(await lagRun(d))
  process.stdout.write(`lag ${JSON.stringify(lag.at(-1))}\n`)
}
const cu = [await catchUp(200), await catchUp(1000)]
for (const c of cu) process.stdout.write(`catch-up ${JSON.stringify(c)}\n`)
const mode =
  lag[0]?.mode === 'netns'
    ? 'each in its own network namespace, the WAN delay added per packet between namespaces'
    : 'on loopback, linked through delayed TCP proxies (no network namespaces here)'
const load1 = (await import('node:os')).loadavg()[0] ?? 0
const md = [
  '# Regions benchmark',
  '',
  `Two regions (own PostgreSQL cluster, own NATS, one weft-server process each) on one machine, ${mode}; ${EDITS} edits, one every 50 ms. Lag is client in a to client in b (both server hops and both PostgreSQL commits included). Bytes are everything that crossed between the regions per edit, both directions: TCP payload (the heads stream, keep-alives, requests) and whole IP packets (headers and ACKs too). Anti-entropy every ${ANTI_ENTROPY_MS / 1000} s. Load average (1 min) ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end, on 2 cores shared with other work: lag figures are inflated by CPU contention.`,
  '',
  '| one-way delay | lag p50 | lag p99 | target p99 (delay + 50 ms) | first edit of a new doc | TCP payload / edit | IP bytes / edit | delta bytes / edit | payload ratio |',
  '|---|---|---|---|---|---|---|---|---|',
  ...lag.map(
    (r) =>
      `| ${r.delayMs} ms | ${r.p50.toFixed(0)} ms | ${r.p99.toFixed(0)} ms | ${r.delayMs + 50} ms | ${r.firstEditMs.toFixed(0)} ms | ${r.bytesPerEdit.toFixed(0)} | ${r.ipBytesPerEdit?.toFixed(0) ?? 'n/a'} | ${r.deltaBytesPerEdit.toFixed(0)} | ${(r.bytesPerEdit / r.deltaBytesPerEdit).toFixed(2)} |`,
  ),
  '',
  `Catch-up after a ${PARTITION_S} s partition (40 ms delay), edits spread over 20 docs:`,
  '',
  '| edits missed | time from heal to all present in b |',
  '|---|---|',
  ...cu.map((c) => `| ${c.missed} | ${c.ms} ms |`),
  '',
]
writeFileSync(new URL('../results/regions.md', import.meta.url), md.join('\n'))
writeFileSync(
  new URL('../results/regions.json', import.meta.url),
  JSON.stringify({ lag, catchUp: cu, loadavg: [load0, load1], benchCpuMs: (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000 }, null, 2),
)
process.stdout.write(md.join('\n'))
process.exit(0)
