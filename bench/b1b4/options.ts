/**
 * Command-line options of `pnpm bench:b1b4`.
 */
import { LIBS, isLibName, type LibName } from '../crdt/adapters/lib-names.js'
import { SCENARIOS } from './scenarios.js'

export interface Options {
  /** Scenario ids to run, in suite order. */
  readonly scenarios: readonly string[]
  readonly libs: readonly LibName[]
  /** Runs per library (medians reported). */
  readonly runs: Readonly<Record<LibName, number>>
  readonly n: number
  readonly timeoutMs: Readonly<Record<LibName, number>>
  /** Scenarios also measured once under callgrind (instruction counts). */
  readonly instr: readonly string[]
  /** Skip the callgrind run of a measurement whose median CPU time exceeds this (callgrind is ~50× slower). */
  readonly instrMaxMs: number
  readonly memory: boolean
  readonly cpuProf: boolean
  readonly write: boolean
  readonly out: string
  /** The CPU every child is pinned to (default the last one). */
  readonly cpu: number | undefined
}

export const USAGE = `usage: pnpm bench:b1b4 [--only IDS] [--libs weft,yjs,automerge,loro] [--runs N | N,LIB=N,...]
                       [--n N] [--timeout S | S,LIB=S,...] [--instr IDS | --no-instr] [--instr-max-ms MS]
                       [--no-memory] [--cpu-prof] [--no-write] [--out NAME] [--cpu N] [--quick]

  --only IDS       scenarios or groups, comma-separated (B1, B2.3, B4x100; default every B1–B4
                   scenario except B4x100)
  --runs ...       runs per measurement, medians reported (default 5; e.g. 5,automerge=1)
  --n N            the suite's N (default 6000, as in the published tables)
  --timeout ...    limit per child process in seconds (default 300; automerge 600)
  --instr IDS      also count instructions under callgrind, once per library (default B4,B1.1,B1.4,B2.2,B3.1,B3.4)
  --instr-max-ms   skip callgrind where the median CPU time is above this (default 5000)
  --no-memory      skip the memory step
  --cpu-prof       write .cpuprofiles of each Weft time and parse section to bench/results/profiles/
  --no-write       print the tables but do not write bench/results/
  --out NAME       write bench/results/NAME.md and NAME.json (default b1b4)
  --cpu N          pin every child to CPU N (default the last CPU)
  --quick          N = 600, one run, no memory, no callgrind, nothing written: a smoke test`

const DEFAULT_INSTR = ['B4', 'B1.1', 'B1.4', 'B2.2', 'B3.1', 'B3.4']

function positive(flag: string, v: string | undefined): number {
  const n = Number(v)
  if (v === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`)
  return n
}

/** `S` or `S,LIB=S,...` into a per-library record. */
function perLib(flag: string, v: string | undefined, into: Record<LibName, number>): void {
  if (v === undefined) throw new Error(`${flag} needs a value`)
  for (const part of v.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) {
      const n = positive(flag, part)
      for (const lib of LIBS) into[lib] = n
      continue
    }
    const lib = part.slice(0, eq)
    if (!isLibName(lib)) throw new Error(`${flag}: unknown library ${lib}`)
    into[lib] = positive(flag, part.slice(eq + 1))
  }
}

/** Scenario ids from a list of ids and group names, in suite order. */
export function selectScenarios(list: readonly string[], includeOptIn: boolean): string[] {
  const bad = list.filter((x) => !SCENARIOS.some((s) => s.id === x || s.group === x))
  if (bad.length > 0) throw new Error(`unknown scenario ${bad.join(', ')} (have: ${SCENARIOS.map((s) => s.id).join(', ')})`)
  return SCENARIOS.filter((s) => list.includes(s.id) || (list.includes(s.group) && (includeOptIn || s.optIn !== true))).map((s) => s.id)
}

export function parseOptions(argv: readonly string[]): Options {
  let scenarios = SCENARIOS.filter((s) => s.optIn !== true).map((s) => s.id)
  let libs: LibName[] = [...LIBS]
  const runs: Record<LibName, number> = { weft: 5, yjs: 5, automerge: 5, loro: 5 }
  const timeoutS: Record<LibName, number> = { weft: 300, yjs: 300, automerge: 600, loro: 300 }
  let n = 6000
  let instr = DEFAULT_INSTR
  let instrMaxMs = 5000
  let memory = true
  let cpuProf = false
  let write = true
  let out = 'b1b4'
  let quick = false
  let cpu: number | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const flag = eq < 0 ? arg : arg.slice(0, eq)
    const inline = eq < 0 ? undefined : arg.slice(eq + 1)
    const value = (): string | undefined => inline ?? argv[++i]
    const list = (): string[] => (value() ?? '').split(',').filter((s) => s !== '')
    switch (flag) {
      case '--only':
        scenarios = selectScenarios(list(), false)
        if (scenarios.length === 0) throw new Error('--only selects no scenario')
        break
      case '--libs': {
        const l = list()
        const bad = l.filter((s) => !isLibName(s))
        if (l.length === 0 || bad.length > 0) throw new Error(`--libs: unknown ${bad.join(', ') || '(empty)'}`)
        libs = LIBS.filter((x) => l.includes(x))
        break
      }
      case '--runs':
        perLib('--runs', value(), runs)
        break
      case '--n':
        n = Math.floor(positive('--n', value()))
        break
      case '--timeout':
        perLib('--timeout', value(), timeoutS)
        break
      case '--instr':
        instr = selectScenarios(list(), true)
        break
      case '--no-instr':
        instr = []
        break
      case '--instr-max-ms':
        instrMaxMs = positive('--instr-max-ms', value())
        break
      case '--no-memory':
        memory = false
        break
      case '--cpu-prof':
        cpuProf = true
        break
      case '--no-write':
        write = false
        break
      case '--out':
        out = value() ?? ''
        if (!/^[\w.-]+$/.test(out)) throw new Error('--out needs a plain file name (letters, digits, . _ -)')
        break
      case '--cpu':
        cpu = Number(value())
        if (!Number.isInteger(cpu) || cpu < 0) throw new Error('--cpu needs a CPU number')
        break
      case '--quick':
        quick = true
        break
      case '--help':
      case '-h':
        throw new Error(USAGE)
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`)
    }
  }
  const timeoutMs = Object.fromEntries(LIBS.map((l) => [l, timeoutS[l] * 1000])) as Record<LibName, number>
  if (quick) {
    const once = Object.fromEntries(LIBS.map((l) => [l, 1])) as Record<LibName, number>
    return { scenarios, libs, runs: once, n: 600, timeoutMs, instr: [], instrMaxMs, memory: false, cpuProf, write: false, out, cpu }
  }
  return { scenarios, libs, runs, n, timeoutMs, instr: instr.filter((id) => scenarios.includes(id)), instrMaxMs, memory, cpuProf, write, out, cpu }
}
