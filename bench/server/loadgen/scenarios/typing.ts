import { cpuPercent } from '../../proc-stats.js'
import type { ProcSample, SaturationConfig, TypingConfig } from '../../protocol.js'
import type { BenchClient, ConnectClient } from '../clients/types.js'
import { probeServer, selfCpu } from '../probe.js'
import { percentile, pool, round, sleep } from '../stats.js'

/** Figures of one period of typing at one rate. */
type StepResult = Record<string, number | null>

/**
 * Connected clients of scenarios 1 and 2 and a way to measure them typing
 * at a given rate. Each edit sets map key `w<writer>` to its seq, so a
 * receiver learns which edits it got by reading a few keys, without scanning
 * the text.
 */
async function connectTyping(connect: ConnectClient, url: string, cfg: TypingConfig) {
  const tConnect0 = performance.now()
  const slots = Array.from({ length: cfg.docs * cfg.clientsPerDoc }, (_, i) => ({ doc: Math.floor(i / cfg.clientsPerDoc), idx: i % cfg.clientsPerDoc }))
  const clients = await pool(slots, 64, (s) => connect(url, `typing-${s.doc}`))
  const connectMs = performance.now() - tConnect0

  // sendTimes[doc][writer][seq] = performance.now() at the writer's edit call.
  const sendTimes: number[][][] = Array.from({ length: cfg.docs }, () => Array.from({ length: cfg.writersPerDoc }, () => []))
  const seqs: number[][] = Array.from({ length: cfg.docs }, () => new Array<number>(cfg.writersPerDoc).fill(0))
  let latencies: number[] = []
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
          if (sent !== undefined) latencies.push(now - sent)
        }
        lastSeen[w] = seen
      }
    })
  })
  const bytesNow = (): number => clients.reduce((n, c) => n + c.bytesIn, 0)

  /** Every writer types `editsPerSecond` for `seconds`; then in-flight edits get up to `drainMs` to land. */
  async function measure(editsPerSecond: number, seconds: number, drainMs: number): Promise<StepResult> {
    latencies = []
    const rssSamples: number[] = []
    const bytes0 = bytesNow()
    const start: ProcSample = await probeServer('window-start')
    const loadCpu = selfCpu()
    let sent = 0
    const timers: NodeJS.Timeout[] = []
    const period = 1000 / editsPerSecond
    slots.forEach((s, i) => {
      if (s.idx >= cfg.writersPerDoc) return
      const c = clients[i] as BenchClient
      const times = sendTimes[s.doc]?.[s.idx] as number[]
      const seq = seqs[s.doc] as number[]
      const tick = (): void => {
        const n = (seq[s.idx] = (seq[s.idx] as number) + 1)
        times[n] = performance.now()
        c.edit(`w${s.idx}`, n)
        sent++
      }
      // Random phase so writers do not fire in lockstep.
      timers.push(setTimeout(() => timers.push(setInterval(tick, period)), Math.random() * period))
    })
    const sampler = setInterval(
      () =>
        void probeServer().then(
          (p) => rssSamples.push(p.rssBytes),
          () => {},
        ),
      500,
    )
    await sleep(seconds * 1000)
    for (const t of timers) clearInterval(t)
    clearInterval(sampler)
    const end = await probeServer()
    const loadgenCpuPercent = loadCpu()
    const expected = sent * (cfg.clientsPerDoc - 1)
    // Let in-flight edits land (bounded), so a slow server shows as latency rather than loss.
    const drainUntil = performance.now() + drainMs
    while (latencies.length < expected && performance.now() < drainUntil) await sleep(20)
    // The window's work is done once its edits have landed (or the drain gave up on them).
    await probeServer('window-drained')
    const got = latencies
    latencies = []
    const bytesReceived = bytesNow() - bytes0
    const windowS = (end.t - start.t) / 1000
    return {
      editsPerSecondPerWriter: editsPerSecond,
      offeredEditsPerSecond: round(cfg.docs * cfg.writersPerDoc * editsPerSecond, 0),
      editsSent: sent,
      deliveriesExpected: expected,
      deliveries: got.length,
      deliveredShare: expected > 0 ? round(got.length / expected, 4) : null,
      sentPerSecond: round(sent / windowS, 1),
      deliveriesPerSecond: round(got.length / windowS, 1),
      clientBytesReceived: bytesReceived,
      bytesPerDelivery: got.length > 0 ? round(bytesReceived / got.length, 1) : null,
      p50Ms: round(percentile(got, 50)),
      p99Ms: round(percentile(got, 99)),
      maxMs: round(percentile(got, 100)),
      serverCpuPercent: round(cpuPercent(start, end), 1),
      // The fair per-edit cost: the server's own CPU accounting over the window, per edit it delivered
      // (one edit reaching one other client), so a loaded machine slows it down without inflating it.
      serverCpuUsPerDelivery: got.length > 0 ? round(((end.cpuMs - start.cpuMs) * 1000) / got.length, 1) : null,
      // Its user-space part: what a count of instructions (--instr) measures; the kernel's work is not in it.
      serverUserCpuUsPerDelivery: got.length > 0 ? round(((end.userCpuMs - start.userCpuMs) * 1000) / got.length, 1) : null,
      serverRssMB: round(end.rssBytes / 2 ** 20, 1),
      serverPeakRssMB: round(Math.max(end.rssBytes, ...rssSamples) / 2 ** 20, 1),
      loadgenCpuPercent: round(loadgenCpuPercent, 1),
    }
  }

  const close = (): Promise<unknown> => pool(clients, 64, (c) => c.close())
  return { clients, connectMs: round(connectMs, 0), measure, close }
}

/**
 * Scenarios 1 (fan-out) and 2 (many docs) at the configured rate: p50/p99
 * send→receipt at every other client of the doc, throughput, server CPU/RSS.
 */
export async function runTyping(connect: ConnectClient, url: string, cfg: TypingConfig): Promise<Record<string, unknown>> {
  const t = await connectTyping(connect, url, cfg)
  if (cfg.warmupSeconds !== undefined) await t.measure(cfg.editsPerSecond, cfg.warmupSeconds, 5000)
  const step = await t.measure(cfg.editsPerSecond, cfg.seconds, 5000)
  await t.close()
  return { clients: t.clients.length, docs: cfg.docs, writers: cfg.docs * cfg.writersPerDoc, seconds: cfg.seconds, connectMs: t.connectMs, ...step }
}

/**
 * Scenario 2 with a saturation search: first the configured rate (the
 * issue's figures), then every writer types faster, step by step, until the
 * server falls behind (less than `minDeliveredShare` of a step's edits
 * delivered by the end of the drain), the load generator cannot send the
 * rate any more (less than `minSentShare` of it), or the rates run out. For
 * each p99 bound, the step with the highest deliveries/s whose p99 stayed
 * within it is the throughput at that bound.
 */
export async function runSaturation(connect: ConnectClient, url: string, cfg: TypingConfig, sat: SaturationConfig): Promise<Record<string, unknown>> {
  const t = await connectTyping(connect, url, cfg)
  const base = await t.measure(cfg.editsPerSecond, cfg.seconds, 5000)
  const steps: StepResult[] = []
  let stoppedBy = 'last step'
  for (const rate of sat.ratesPerWriter) {
    const step = rate === cfg.editsPerSecond ? base : await t.measure(rate, sat.stepSeconds, sat.drainMs)
    steps.push(step)
    const share = step.deliveredShare ?? 0
    const offered = step.offeredEditsPerSecond ?? 0
    const sent = step.sentPerSecond ?? 0
    const cpus = `server CPU ${step.serverCpuPercent} %, load generator ${step.loadgenCpuPercent} %`
    if (share < sat.minDeliveredShare) {
      stoppedBy = `fell behind at ${offered} edits/s offered (${round(share * 100, 1)} % delivered; ${cpus})`
      break
    }
    if (sent < sat.minSentShare * offered) {
      stoppedBy = `load generator sent ${sent} of ${offered} edits/s (${cpus})`
      break
    }
  }
  await t.close()
  const delivered = steps.filter((st) => (st.deliveredShare ?? 0) >= sat.minDeliveredShare)
  const throughputAt = (bound: number) => {
    const within = delivered.filter((st) => (st.p99Ms ?? Number.POSITIVE_INFINITY) <= bound)
    const best = within.reduce<StepResult | undefined>((b, st) => ((st.deliveriesPerSecond ?? 0) > (b?.deliveriesPerSecond ?? 0) ? st : b), undefined)
    return {
      p99BoundMs: bound,
      deliveriesPerSecond: best?.deliveriesPerSecond ?? 0,
      offeredPerSecond: best?.offeredEditsPerSecond ?? null,
      sentPerSecond: best?.sentPerSecond ?? null,
      p99Ms: best?.p99Ms ?? null,
      serverCpuPercent: best?.serverCpuPercent ?? null,
      loadgenCpuPercent: best?.loadgenCpuPercent ?? null,
    }
  }
  return {
    clients: t.clients.length,
    docs: cfg.docs,
    writers: cfg.docs * cfg.writersPerDoc,
    seconds: cfg.seconds,
    connectMs: t.connectMs,
    ...base,
    saturation: {
      p99BoundsMs: sat.p99BoundsMs,
      minDeliveredShare: sat.minDeliveredShare,
      minSentShare: sat.minSentShare,
      stepSeconds: sat.stepSeconds,
      stoppedBy,
      sustained: sat.p99BoundsMs.map(throughputAt),
      steps,
    },
  }
}
