/**
 * The machine and library versions a run is recorded with.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem, type as osType } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Machine } from './results.js'

export function machine(): Machine {
  const cpuList = cpus()
  return {
    os: `${osType()} ${release()} (${process.platform}/${process.arch})`,
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryBytes: totalmem(),
    node: process.version,
  }
}

/** Version from the installed package's own package.json (bench/node_modules/<name>). */
export function packageVersion(name: string): string {
  const path = fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url))
  try {
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'not installed'
  }
}

/** The repository's HEAD commit (with `+dirty` when the work tree has changes), or null outside git. */
export function gitCommit(): string | null {
  const cwd = fileURLToPath(new URL('../', import.meta.url))
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../packages/crdt-core', '.'], {
      cwd,
      encoding: 'utf8',
    }).trim()
    return dirty === '' ? head : `${head}+dirty`
  } catch {
    return null
  }
}
