import { parseArgs } from 'node:util'
import { SCENARIOS, SERVER_KINDS, type SaturationConfig, type ScenarioName, type ServerKind, type TypingConfig } from './protocol.js'

/** Sizes of one run; the defaults are issue 8's, `--quick` shrinks them to seconds. */
export interface BenchOptions {
  readonly quick: boolean
  readonly servers: readonly ServerKind[]
  readonly scenarios: readonly ScenarioName[]
  readonly fanOut: TypingConfig
  readonly manyDocs: TypingConfig
  /** many-docs saturation search, or undefined for the base rate only. */
  readonly saturation: SaturationConfig | undefined
  readonly maxConnections: number
  readonly connectionStep: number
  readonly catchUpEdits: number
  readonly coldLoadBytes: number
  /** Wall-clock cap of one scenario's load generator, ms. */
  readonly budgetMs: number
  readonly out: string
  /** Directory for a V8 CPU profile of the Weft server child, or undefined. */
  readonly profileDir: string | undefined
  /** Pin the server and the load generator to different cores with taskset (default on; `--no-pin`). */
  readonly pin: boolean
  /** Run the Weft server from its TypeScript sources (default in --quick) instead of dist. */
  readonly fromSource: boolean
  /** Diagnosis only: the Weft server's store (FULL = the real, durable default). */
  readonly weftStore: 'FULL' | 'NORMAL' | 'memory'
  /** Run every server under callgrind and count its instructions per delivered edit (fan-out and many-docs). */
  readonly instr: boolean
}

export const USAGE = `pnpm bench:server [options]
  --quick                 tiny sizes, a few seconds per scenario (smoke test)
  --servers a,b           weft,y-websocket,hocuspocus (default all)
  --scenarios a,b         fan-out,many-docs,connections,catch-up,cold-load (default all)
  --seconds n             typing time of fan-out and many-docs (default 15)
  --fanout-clients n      clients on the fan-out doc (default 200; 20 of them type)
  --many-docs-clients n   clients of many-docs, two per doc (default 2000)
  --rates a,b,...         many-docs saturation search: edits/s per writer, ascending (default 1,2,3,4,6,8)
  --p99-bounds a,b        common p99 bounds of the search, ms (default 100,250,1000)
  --step-seconds n        typing time of each search step after the first (default 6)
  --no-saturation         many-docs at the base rate only
  --max-connections n     idle connections to try (default 5000)
  --catch-up-edits n      edits the catching-up client missed (default 10000)
  --cold-load-kb n        size of the cold-load doc (default 1024)
  --out file              results JSON (default results/server.json)
  --profile dir           write a CPU profile of each Weft server run into dir
  --weft-store s          diagnosis: FULL (default, durable), NORMAL (no fsync per commit) or memory (no store)
  --no-pin                do not pin the server (CPU 0) and the load generator (the other CPUs) with taskset
  --source                run the Weft server from src/ via tsx (default with --quick; else dist/cli.js)
  --instr                 run each server under valgrind --tool=callgrind and report its instructions per
                          delivered edit over the measured window, after a warm-up window of the same
                          length (fan-out and many-docs; no saturation search; results to
                          results/server-instr.json unless --out). Servers run ~50x slower, so use
                          small sizes: --fanout-clients 40 --many-docs-clients 100 --seconds 30
`

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean' },
      servers: { type: 'string' },
      scenarios: { type: 'string' },
      seconds: { type: 'string' },
      'fanout-clients': { type: 'string' },
      'many-docs-clients': { type: 'string' },
      rates: { type: 'string' },
      'p99-bounds': { type: 'string' },
      'step-seconds': { type: 'string' },
      'no-saturation': { type: 'boolean' },
      'max-connections': { type: 'string' },
      'catch-up-edits': { type: 'string' },
      'cold-load-kb': { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
      source: { type: 'boolean' },
      'no-pin': { type: 'boolean' },
      'weft-store': { type: 'string' },
      instr: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  const quick = values.quick === true
  const int = (v: string | undefined, full: number, small: number): number => {
    if (v === undefined) return quick ? small : full
    const n = Number(v)
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`expected a positive integer, got "${v}"`)
    return n
  }
  const list = <T extends string>(v: string | undefined, all: readonly T[]): T[] => {
    if (v === undefined) return [...all]
    const picked = v.split(',').map((s) => s.trim())
    for (const p of picked) if (!all.includes(p as T)) throw new Error(`unknown "${p}"; expected one of ${all.join(', ')}`)
    return picked as T[]
  }
  const seconds = int(values.seconds, 15, 2)
  const fanClients = int(values['fanout-clients'], 200, 10)
  const manyClients = int(values['many-docs-clients'], 2000, 20)
  const maxConnections = int(values['max-connections'], 5000, 100)
  const instr = values.instr === true
  // Counted instructions are of the steady state: the same typing runs once before the window.
  const warmup = instr ? { warmupSeconds: seconds } : {}
  return {
    quick,
    servers: list(values.servers, SERVER_KINDS),
    scenarios: list(values.scenarios, SCENARIOS),
    fanOut: { docs: 1, clientsPerDoc: fanClients, writersPerDoc: Math.max(1, Math.round(fanClients / 10)), editsPerSecond: 5, seconds, ...warmup },
    manyDocs: { docs: Math.max(1, Math.floor(manyClients / 2)), clientsPerDoc: 2, writersPerDoc: 2, editsPerSecond: 1, seconds, ...warmup },
    saturation:
      values['no-saturation'] === true || instr
        ? undefined
        : {
            ratesPerWriter: rates(values.rates, quick ? [1, 2, 4] : [1, 2, 3, 4, 6, 8]),
            stepSeconds: int(values['step-seconds'], 6, 2),
            p99BoundsMs: rates(values['p99-bounds'], [100, 250, 1000]),
            minDeliveredShare: 0.99,
            // The random start phase of each writer costs up to one period of a step's sends.
            minSentShare: 0.8,
            drainMs: 3000,
          },
    maxConnections,
    connectionStep: Math.max(1, Math.min(500, Math.ceil(maxConnections / 10))),
    catchUpEdits: int(values['catch-up-edits'], 10_000, 300),
    coldLoadBytes: int(values['cold-load-kb'], 1024, 32) * 1024,
    budgetMs: quick ? 15_000 : 30_000,
    out: values.out ?? (instr ? 'results/server-instr.json' : 'results/server.json'),
    profileDir: values.profile,
    pin: values['no-pin'] !== true,
    fromSource: values.source === true || quick,
    weftStore: weftStore(values['weft-store']),
    instr,
  }
}

/** An ascending list of positive numbers (`--rates`, `--p99-bounds`). */
function rates(v: string | undefined, fallback: number[]): number[] {
  if (v === undefined) return fallback
  const r = v.split(',').map(Number)
  if (r.some((n) => !(n > 0)) || r.some((n, i) => i > 0 && n <= (r[i - 1] as number))) throw new Error(`expected ascending positive numbers, got "${v}"`)
  return r
}

function weftStore(v: string | undefined): 'FULL' | 'NORMAL' | 'memory' {
  if (v === undefined) return 'FULL'
  if (v === 'FULL' || v === 'NORMAL' || v === 'memory') return v
  throw new Error(`--weft-store: expected FULL, NORMAL or memory, got "${v}"`)
}
