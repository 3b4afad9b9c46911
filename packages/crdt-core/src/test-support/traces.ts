import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { gunzipSync } from 'node:zlib'

export type Patch = [pos: number, del: number, ins: string]

export interface SequentialTrace {
  endContent: string
  txns: { patches: Patch[] }[]
}

export interface ConcurrentTrace {
  endContent: string
  numAgents: number
  txns: { parents: number[]; agent: number; patches: Patch[] }[]
}

/** The shared editing traces (../shared/traces beside the repo; WEFT_TRACES overrides). */
export function tracesDir(): string {
  return process.env['WEFT_TRACES'] ?? resolve(process.cwd(), '../shared/traces')
}

export function listTraces(kind: 'sequential' | 'concurrent'): string[] {
  const dir = join(tracesDir(), kind)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .map((f) => f.replace(/\.json\.gz$/, ''))
}

export function loadTrace<T>(kind: 'sequential' | 'concurrent', name: string): T {
  return JSON.parse(gunzipSync(readFileSync(join(tracesDir(), kind, `${name}.json.gz`))).toString('utf8')) as T
}
