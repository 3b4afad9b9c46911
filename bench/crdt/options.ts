/**
 * Command-line options of `pnpm bench:crdt`.
 */
import { LIBS, isLibName, type LibName } from './adapters/types.js'

export interface Options {
  /** Only the traces with these names (sequential or concurrent); undefined for all. */
  readonly traces: readonly string[] | undefined
  readonly runs: number
  readonly libs: readonly LibName[]
  /** One small sequential trace and the concurrent ones, once, correctness only (no memory step). */
  readonly quick: boolean
  /** Per-library time limit of one child process, in ms. */
  readonly timeoutMs: Readonly<Record<LibName, number>>
  /** Write bench/results/<out>.{md,json} (off in quick mode). */
  readonly write: boolean
  /** Base name of the result files (default `crdt`). */
  readonly out: string
  /** Write a CPU profile of every timed section to bench/results/profiles/ (timings then include profiling overhead). */
  readonly cpuProf: boolean
}

export const USAGE = `usage: pnpm bench:crdt [--trace NAME,...] [--runs N] [--libs weft,yjs,automerge,loro]
                       [--timeout SECONDS | --timeout LIB=SECONDS,...] [--quick] [--no-write] [--out NAME]
                       [--cpu-prof]

  --trace LIST   only these traces, comma-separated (sequential or concurrent)
  --runs N       runs per measurement, medians reported (default 5)
  --libs LIST    libraries to measure (default all four)
  --timeout ...  time limit per child process (default 180 s; automerge 300 s)
  --quick        smallest sequential trace + the concurrent ones, once: correctness only
  --no-write     print the tables but do not write bench/results/
  --out NAME     write bench/results/NAME.md and NAME.json (default crdt)
  --cpu-prof     also write a .cpuprofile of each timed section to bench/results/profiles/`

const DEFAULT_TIMEOUT_S: Record<LibName, number> = { weft: 180, yjs: 180, automerge: 300, loro: 180 }

function positive(flag: string, v: string | undefined): number {
  const n = Number(v)
  if (v === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`)
  return n
}

function parseTimeout(v: string | undefined, into: Record<LibName, number>): void {
  if (v === undefined) throw new Error('--timeout needs a value')
  for (const part of v.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) {
      const s = positive('--timeout', part)
      for (const lib of LIBS) into[lib] = s
      continue
    }
    const lib = part.slice(0, eq)
    if (!isLibName(lib)) throw new Error(`--timeout: unknown library ${lib}`)
    into[lib] = positive('--timeout', part.slice(eq + 1))
  }
}

/** Parses argv (without node and script). Throws with a message on a bad option. */
export function parseOptions(argv: readonly string[]): Options {
  let traces: string[] | undefined
  let runs: number | undefined
  let libs: LibName[] = [...LIBS]
  let quick = false
  let write = true
  let out = 'crdt'
  let cpuProf = false
  const timeoutS = { ...DEFAULT_TIMEOUT_S }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    // `--flag=value` or `--flag value`; the first '=' splits, so `--timeout=automerge=600` works.
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const flag = eq < 0 ? arg : arg.slice(0, eq)
    const inline = eq < 0 ? undefined : arg.slice(eq + 1)
    const value = (): string | undefined => inline ?? argv[++i]
    switch (flag) {
      case '--trace':
        traces = (value() ?? '').split(',').filter((s) => s !== '')
        if (traces.length === 0) throw new Error('--trace needs a name')
        break
      case '--runs':
        runs = Math.floor(positive('--runs', value()))
        break
      case '--libs': {
        const list = (value() ?? '').split(',').filter((s) => s !== '')
        const bad = list.filter((s) => !isLibName(s))
        if (list.length === 0 || bad.length > 0) throw new Error(`--libs: unknown ${bad.join(', ') || '(empty)'}`)
        // Keep the canonical order so tables always read weft, yjs, automerge, loro.
        libs = LIBS.filter((l) => list.includes(l))
        break
      }
      case '--timeout':
        parseTimeout(value(), timeoutS)
        break
      case '--quick':
        quick = true
        break
      case '--no-write':
        write = false
        break
      case '--cpu-prof':
        cpuProf = true
        break
      case '--out':
        out = value() ?? ''
        if (!/^[\w.-]+$/.test(out)) throw new Error('--out needs a plain file name (letters, digits, . _ -)')
        break
      case '--help':
      case '-h':
        throw new Error(USAGE)
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`)
    }
  }
  const timeoutMs = Object.fromEntries(LIBS.map((l) => [l, timeoutS[l] * 1000])) as Record<LibName, number>
  return { traces, runs: quick ? 1 : (runs ?? 5), libs, quick, timeoutMs, write: write && !quick, out, cpuProf }
}
