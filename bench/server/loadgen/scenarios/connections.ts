import type { BenchClient, ConnectClient } from '../clients/types.js'
import { probeServer, selfCpu } from '../probe.js'
import { pool, round, sleep } from '../stats.js'

/**
 * Scenario 3: idle connections, one doc each, opened in steps up to `max`
 * (or the first failure, or the time budget); server RSS after each step.
 */
export async function runConnections(connect: ConnectClient, url: string, max: number, step: number, budgetMs: number): Promise<Record<string, unknown>> {
  const deadline = performance.now() + budgetMs
  await sleep(300)
  const baseline = await probeServer()
  const loadCpu = selfCpu()
  const clients: BenchClient[] = []
  const steps: { connections: number; serverRssMB: number }[] = []
  let failure: string | undefined
  let stoppedBy = 'max'
  const t0 = performance.now()
  while (clients.length < max) {
    if (performance.now() > deadline) {
      stoppedBy = 'time budget'
      break
    }
    const n = Math.min(step, max - clients.length)
    const base = clients.length
    try {
      const batch = await pool(
        Array.from({ length: n }, (_, i) => base + i),
        100,
        (i) => connect(url, `idle-${i}`),
      )
      clients.push(...batch)
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e)
      stoppedBy = 'failure'
      break
    }
    await sleep(200)
    const s = await probeServer()
    steps.push({ connections: clients.length, serverRssMB: round(s.rssBytes / 2 ** 20, 1) })
  }
  const openMs = performance.now() - t0
  await sleep(500)
  const end = await probeServer()
  const held = clients.length
  const result = {
    connectionsHeld: held,
    stoppedBy,
    ...(failure !== undefined ? { failure } : {}),
    openMs: round(openMs, 0),
    serverBaselineRssMB: round(baseline.rssBytes / 2 ** 20, 1),
    serverRssMB: round(end.rssBytes / 2 ** 20, 1),
    serverRssPerConnectionKB: held > 0 ? round((end.rssBytes - baseline.rssBytes) / held / 1024, 1) : null,
    loadgenCpuPercent: round(loadCpu(), 1),
    steps,
  }
  await pool(clients, 100, (c) => c.close().catch(() => {}))
  return result
}
