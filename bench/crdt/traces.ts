/**
 * Editing traces (josephg/editing-traces format, see shared/traces/README.md): types and loading.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { sequentialToUtf16 } from './code-points.js'

/** One splice: delete `del` chars at `pos`, then insert `ins` there (Array.splice semantics). */
export type Patch = readonly [pos: number, del: number, ins: string]

export interface SequentialTxn {
  readonly patches: readonly Patch[]
}

export interface SequentialTrace {
  readonly startContent: string
  readonly endContent: string
  readonly txns: readonly SequentialTxn[]
}

export interface ConcurrentTxn {
  /** Indices of earlier txns this one comes causally after. */
  readonly parents: readonly number[]
  /** 0 .. numAgents-1; each agent's txns are totally ordered. */
  readonly agent: number
  /** Positions are relative to the document at `parents`. */
  readonly patches: readonly Patch[]
}

export interface ConcurrentTrace {
  readonly kind: 'concurrent'
  readonly endContent: string
  readonly numAgents: number
  readonly txns: readonly ConcurrentTxn[]
}

export type TraceKind = 'sequential' | 'concurrent'

export interface TraceFile {
  readonly name: string
  readonly kind: TraceKind
  readonly path: string
  /** Compressed size, used to pick the smallest trace for --quick. */
  readonly bytes: number
}

const SUFFIX = '.json.gz'

/** The traces folder: `$WEFT_TRACES`, else `../shared/traces` beside the repository root. */
export function tracesDir(): string {
  const fromEnv = process.env['WEFT_TRACES']
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv)
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
  return resolve(repoRoot, '..', 'shared', 'traces')
}

/** Every `*.json.gz` trace of one kind, sorted by name. Throws when the folder is missing. */
export function listTraces(kind: TraceKind, dir: string = tracesDir()): TraceFile[] {
  const folder = join(dir, kind)
  if (!existsSync(folder)) throw new Error(`trace folder not found: ${folder} (set WEFT_TRACES)`)
  return readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(SUFFIX))
    .map((e) => {
      const path = join(folder, e.name)
      return { name: basename(e.name, SUFFIX), kind, path, bytes: readFileSync(path).byteLength }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** Finds one trace by name (with or without the `.json.gz` suffix). */
export function findTrace(kind: TraceKind, name: string, dir: string = tracesDir()): TraceFile {
  const wanted = name.endsWith(SUFFIX) ? basename(name, SUFFIX) : name
  const hit = listTraces(kind, dir).find((t) => t.name === wanted)
  if (hit === undefined) throw new Error(`no ${kind} trace named ${wanted} in ${join(dir, kind)}`)
  return hit
}

function readJsonGz(path: string): unknown {
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as unknown
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}

/**
 * Loads a sequential trace, checking its shape so a wrong file fails loudly rather than mid-run,
 * with its positions in UTF-16 units (code-points.ts).
 */
export function loadSequential(path: string): SequentialTrace {
  const data = readJsonGz(path)
  if (!isObject(data) || typeof data['endContent'] !== 'string' || !Array.isArray(data['txns'])) {
    throw new Error(`${path}: not a sequential trace`)
  }
  const start = data['startContent']
  return sequentialToUtf16({
    startContent: typeof start === 'string' ? start : '',
    endContent: data['endContent'],
    txns: data['txns'] as SequentialTxn[],
  })
}

/** Loads a concurrent trace, checking its shape. */
export function loadConcurrent(path: string): ConcurrentTrace {
  const data = readJsonGz(path)
  if (
    !isObject(data) ||
    data['kind'] !== 'concurrent' ||
    typeof data['endContent'] !== 'string' ||
    typeof data['numAgents'] !== 'number' ||
    !Array.isArray(data['txns'])
  ) {
    throw new Error(`${path}: not a concurrent trace`)
  }
  return {
    kind: 'concurrent',
    endContent: data['endContent'],
    numAgents: data['numAgents'],
    txns: data['txns'] as ConcurrentTxn[],
  }
}

/** Throws unless `actual` equals `expected`; the message says where they first differ. */
export function checkText(what: string, actual: string, expected: string): void {
  if (actual === expected) return
  let i = 0
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++
  throw new Error(
    `${what}: final text differs from endContent at index ${i} ` +
      `(length ${actual.length} vs ${expected.length}; got ${JSON.stringify(actual.slice(i, i + 20))}, ` +
      `want ${JSON.stringify(expected.slice(i, i + 20))})`,
  )
}
