// pnpm bench:server: Weft, y-websocket and Hocuspocus servers as child
// processes on 127.0.0.1, each driven by a separate load-generator process.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { runLoadChild } from './load-child.js'
import { parseOptions, USAGE, type BenchOptions } from './options.js'
import { choosePinning, type Pinning } from './pinning.js'
import { summarizeProfiles } from './profile.js'
import type { LoadJob, ScenarioName, ServerKind } from './protocol.js'
import { renderReport, type BenchResults, type ScenarioResult } from './report.js'
import { freePort, startServer } from './servers.js'
import { readWeftServerView } from './weft-metrics.js'
import { WindowInstructions } from './instructions.js'

function jobFor(server: ServerKind, scenario: ScenarioName, url: string, o: BenchOptions): LoadJob {
  const base = { server, url, scenario, budgetMs: o.budgetMs }
  switch (scenario) {
    case 'fan-out':
      return { ...base, typing: o.fanOut }
    case 'many-docs':
      if (!o.saturation) return { ...base, typing: o.manyDocs }
      // The search runs ~stepSeconds + drain per step after the base period.
      return {
        ...base,
        typing: o.manyDocs,
        saturation: o.saturation,
        budgetMs: o.budgetMs + o.saturation.ratesPerWriter.length * (o.saturation.stepSeconds * 1000 + o.saturation.drainMs),
      }
    case 'connections':
      return { ...base, maxConnections: o.maxConnections, connectionStep: o.connectionStep }
    case 'catch-up':
      return { ...base, catchUpEdits: o.catchUpEdits }
    case 'cold-load':
      return { ...base, coldLoadBytes: o.coldLoadBytes }
  }
}

async function runOne(server: ServerKind, scenario: ScenarioName, o: BenchOptions, pin: Pinning): Promise<ScenarioResult> {
  const dataDir = mkdtempSync(join(tmpdir(), `weft-bench-${server}-`))
  const port = await freePort()
  // Instructions are counted over the typing scenarios' measured window (see instructions.ts).
  const callgrindOut = o.instr && (scenario === 'fan-out' || scenario === 'many-docs') ? join(dataDir, 'callgrind.out') : undefined
  const start = () =>
    startServer(server, {
      port,
      dataDir,
      persistYjs: scenario === 'cold-load',
      fromSource: o.fromSource,
      weftStore: o.weftStore,
      cpus: pin.server,
      callgrindOut,
      ...(o.profileDir !== undefined && server === 'weft' ? { cpuProfileDir: join(resolve(o.profileDir), scenario) } : {}),
    })
  const loadgenProfileDir = o.profileDir !== undefined ? join(resolve(o.profileDir), 'loadgen', server, scenario) : undefined
  const t0 = performance.now()
  // Other work on the machine skews every figure; keep its level next to them.
  const loadavg1 = Math.round((loadavg()[0] ?? 0) * 100) / 100
  let srv = await start()
  try {
    const job = jobFor(server, scenario, srv.url, o)
    if (scenario !== 'cold-load') {
      const instructions = callgrindOut !== undefined ? new WindowInstructions(srv.pid, callgrindOut) : undefined
      const result = await runLoadChild(job, srv.pid, loadgenProfileDir, pin.loadgen, instructions?.onMark)
      const view = server === 'weft' ? await readWeftServerView(srv.port) : undefined
      return { ok: true, loadavg1, ...result, ...(view ? { weftServer: view } : {}), ...instructionFigures(instructions, result) }
    }
    const written = await runLoadChild({ ...job, phase: 'write' }, srv.pid, loadgenProfileDir, pin.loadgen)
    await srv.stop()
    const restart0 = performance.now()
    srv = await start()
    const restartMs = Math.round(performance.now() - restart0)
    const read = await runLoadChild({ ...job, phase: 'read' }, srv.pid, loadgenProfileDir, pin.loadgen)
    return { ok: true, loadavg1, ...read, serverRestartMs: restartMs, write: written }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  } finally {
    await srv.stop()
    rmSync(dataDir, { recursive: true, force: true })
    process.stderr.write(`  ${server} / ${scenario}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
  }
}

/** The server's instructions over the measured window, in all and per delivered edit. */
function instructionFigures(instructions: WindowInstructions | undefined, result: Record<string, unknown>): Record<string, number> {
  const count = instructions?.last()
  if (count === undefined) return {}
  const deliveries = typeof result.deliveries === 'number' ? result.deliveries : 0
  return { serverInstructions: count, ...(deliveries > 0 ? { serverInstructionsPerDelivery: Math.round(count / deliveries) } : {}) }
}

async function main(): Promise<void> {
  let o: BenchOptions
  try {
    o = parseOptions(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`)
    process.exit(2)
  }
  const pin = choosePinning(o.pin)
  const results: BenchResults = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: availableParallelism(),
      loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
      quick: o.quick,
      ...(o.instr
        ? {
            instr:
              'every server under valgrind --tool=callgrind: times, latencies and CPU figures are of servers slowed about 50x; compare the instruction counts',
          }
        : {}),
      pinning: pin.note,
      weftStore: o.weftStore === 'FULL' ? 'SQLite file, synchronous=FULL' : `DIAGNOSTIC ${o.weftStore}`,
      weftServerFrom: o.fromSource ? 'packages/server/src via tsx' : 'packages/server/dist/cli.js',
      sizes: { fanOut: o.fanOut, manyDocs: o.manyDocs, maxConnections: o.maxConnections, catchUpEdits: o.catchUpEdits, coldLoadBytes: o.coldLoadBytes },
      servers: {
        weft: '@weft/server CLI, SQLite file (WAL, synchronous=FULL) written by a worker thread: acks and fan-out after COMMIT',
        'y-websocket': '@y/websocket-server 0.1.1 utils (vendored), no persistence; cold-load only: bench appends updates to a file, no fsync; no acks',
        hocuspocus: '@hocuspocus/server 4.7 + extension-sqlite (file): acks (SyncStatus) on apply; stores doc state after a 2-10 s debounce',
      },
    },
    scenarios: {},
  }
  for (const scenario of o.scenarios) {
    const row: Partial<Record<ServerKind, ScenarioResult>> = {}
    results.scenarios[scenario] = row
    for (const server of o.servers) {
      row[server] = await runOne(server, scenario, o, pin)
    }
  }
  results.meta.loadavgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100)
  if (o.profileDir !== undefined) results.meta.profile = summarizeProfiles(resolve(o.profileDir))
  mkdirSync(dirname(resolve(o.out)), { recursive: true })
  writeFileSync(resolve(o.out), `${JSON.stringify(results, null, 2)}\n`)
  process.stdout.write(renderReport(results))
  process.stdout.write(`\nwrote ${o.out}\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:server failed: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
