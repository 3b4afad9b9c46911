import { cpuPercent } from '../../proc-stats.js'
import type { ProcSample, TypingConfig } from '../../protocol.js'
import type { BenchClient, ConnectClient } from '../clients/types.js'
import { probeServer, selfCpu } from '../probe.js'
import { percentile, pool, round, sleep } from '../stats.js'

/**
 * Scenarios 1 (fan-out) and 2 (many docs): writers type at a fixed rate;
 * every other client of the doc records send -> receipt latency. Each edit
 * sets map key `w<writer>` to its seq, so a receiver learns which edits it
 * got by reading a few keys, without scanning the text.
 */
export async function runTyping(connect: ConnectClient, url: string, cfg: TypingConfig): Promise<Record<string, unknown>> {
  const tConnect0 = performance.now()
  const slots = Array.from({ length: cfg.docs * cfg.clientsPerDoc }, (_, i) => ({ doc: Math.floor(i / cfg.clientsPerDoc), idx: i % cfg.clientsPerDoc }))
  const clients = await pool(slots, 64, (s) => connect(url, `typing-${s.doc}`))
  const connectMs = performance.now() - tConnect0

  // sendTimes[doc][writer][seq] = performance.now() at the writer's edit call.
  const sendTimes: number[][][] = Array.from({ length: cfg.docs }, () => Array.from({ length: cfg.writersPerDoc }, () => []))
  const latencies: number[] = []
  let measuring = true
  slots.forEach((s, i) => {
    const c = clients[i] as BenchClient
    const lastSeen = new Array<number>(cfg.writersPerDoc).fill(0)
    c.onRemoteChange(() => {
      const now = performance.now()
      for (let w = 0; w < cfg.writersPerDoc; w++) {
        if (w === s.idx) continue
        const v = c.read(`w${w}`) ?? 0
        let seen = lastSeen[w] as number
        while (seen < v) {
          seen++
          const sent = sendTimes[s.doc]?.[w]?.[seen]
          if (measuring && sent !== undefined) latencies.push(now - sent)
        }
        lastSeen[w] = seen
      }
    })
  })

  const rssSamples: number[] = []
  const bytesNow = (): number => clients.reduce((n, c) => n + c.bytesIn, 0)
  const bytes0 = bytesNow()
  const start: ProcSample = await probeServer()
  const loadCpu = selfCpu()
  let sent = 0
  const timers: NodeJS.Timeout[] = []
  const period = 1000 / cfg.editsPerSecond
  slots.forEach((s, i) => {
    if (s.idx >= cfg.writersPerDoc) return
    const c = clients[i] as BenchClient
    const times = sendTimes[s.doc]?.[s.idx] as number[]
    let seq = 0
    const tick = (): void => {
      seq++
      times[seq] = performance.now()
      c.edit(`w${s.idx}`, seq)
      sent++
    }
    // Random phase so writers do not fire in lockstep.
    timers.push(setTimeout(() => timers.push(setInterval(tick, period)), Math.random() * period))
  })
  const sampler = setInterval(() => void probeServer().then((p) => rssSamples.push(p.rssBytes), () => {}), 500)
  await sleep(cfg.seconds * 1000)
  for (const t of timers) clearInterval(t)
  clearInterval(sampler)
  const end = await probeServer()
  const loadgenCpuPercent = loadCpu()
  const expected = sent * (cfg.clientsPerDoc - 1)
  // Let in-flight edits land (bounded), so a slow server shows as latency rather than loss.
  const drainUntil = performance.now() + 5000
  while (latencies.length < expected && performance.now() < drainUntil) await sleep(20)
  measuring = false
  const bytesReceived = bytesNow() - bytes0
  const windowS = (end.t - start.t) / 1000
  await pool(clients, 64, (c) => c.close())
  return {
    clients: clients.length,
    docs: cfg.docs,
    writers: cfg.docs * cfg.writersPerDoc,
    editsPerSecondPerWriter: cfg.editsPerSecond,
    seconds: cfg.seconds,
    connectMs: round(connectMs, 0),
    editsSent: sent,
    deliveriesExpected: expected,
    deliveries: latencies.length,
    sentPerSecond: round(sent / windowS, 1),
    deliveriesPerSecond: round(latencies.length / windowS, 1),
    clientBytesReceived: bytesReceived,
    bytesPerDelivery: latencies.length > 0 ? round(bytesReceived / latencies.length, 1) : null,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(percentile(latencies, 100)),
    serverCpuPercent: round(cpuPercent(start, end), 1),
    serverRssMB: round(end.rssBytes / 2 ** 20, 1),
    serverPeakRssMB: round(Math.max(end.rssBytes, ...rssSamples) / 2 ** 20, 1),
    loadgenCpuPercent: round(loadgenCpuPercent, 1),
  }
}
