import { Worker } from 'node:worker_threads'

/** One `/healthz` probe: its wall time, and the server process's CPU time meanwhile. */
export interface HealthSample {
  /** When the probe was sent and answered, in epoch ms (comparable across threads, unlike performance.now()). */
  readonly startedAt: number
  readonly endedAt: number
  readonly wallMs: number
  /**
   * CPU the server's main thread (its event loop) used during the probe, 10 ms
   * resolution, from /proc/<pid>/task/<pid>/stat: the SQLite worker, GC and
   * libuv threads are not counted. A probe that took long while this stayed
   * small waited for a CPU, not for the server's own work.
   */
  readonly serverCpuMs: number
  readonly rssBytes: number
  readonly status: number
}

/**
 * Probes run in their own thread: the attack generators build their input
 * synchronously (a 20 MB deflate, 100k-entry vectors) on the test's event
 * loop, which would otherwise be counted as the server's latency.
 */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads')
const { readFileSync } = require('node:fs')
const { url, pid, gapMs } = workerData
const cpuMs = () => {
  const stat = readFileSync('/proc/' + pid + '/task/' + pid + '/stat', 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}
const rss = () => Number(/VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/' + pid + '/status', 'utf8'))?.[1] ?? 0) * 1024
let running = true
parentPort.on('message', () => { running = false })
;(async () => {
  while (running) {
    const cpu0 = cpuMs()
    const t0 = performance.now()
    const startedAt = performance.timeOrigin + t0
    let status = 0
    try {
      const res = await fetch(url)
      status = res.status
      await res.arrayBuffer()
    } catch {}
    const wallMs = performance.now() - t0
    parentPort.postMessage({ startedAt, endedAt: startedAt + wallMs, wallMs, serverCpuMs: cpuMs() - cpu0, rssBytes: rss(), status })
    await new Promise((r) => setTimeout(r, gapMs))
  }
  parentPort.postMessage('done')
})()
`

/** Starts probing `url` every `gapMs`; `stop()` resolves with every sample. */
export function startHealthProbe(url: string, pid: number, gapMs = 100): { stop(): Promise<HealthSample[]> } {
  const samples: HealthSample[] = []
  const worker = new Worker(PROBE, { eval: true, workerData: { url, pid, gapMs } })
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: HealthSample | 'done') => (m === 'done' ? resolve() : samples.push(m)))
    worker.once('error', reject)
  })
  return {
    async stop() {
      worker.postMessage('stop')
      await done
      await worker.terminate()
      return samples
    },
  }
}

/** The server's event-loop delay since the last scrape (prom-client's monitorEventLoopDelay, reset on every scrape). */
export async function eventLoopLag(baseUrl: string): Promise<{ p99Ms: number; maxMs: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text()
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000
  return { p99Ms: Math.round(read('nodejs_eventloop_lag_p99_seconds')), maxMs: Math.round(read('nodejs_eventloop_lag_max_seconds')) }
}
