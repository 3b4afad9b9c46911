/**
 * Pins the build of @weft/crdt-core for one bench run: its `dist` is copied to the run's work
 * folder and every Weft worker imports that copy, so a rebuild by someone else mid-run (the
 * package is under active work) cannot mix two builds into one set of medians.
 */
import { createHash } from 'node:crypto'
import { cpSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface PinnedBuild {
  /** Entry module of the copy, for the workers' dynamic import. */
  readonly module: string
  /** First 16 hex digits of the copied entry's SHA-256. */
  readonly sha256: string
  /** When the copied build was made (mtime of dist/index.js). */
  readonly builtAt: string
}

export function pinWeftBuild(workRoot: string): PinnedBuild {
  const pkg = realpathSync(fileURLToPath(new URL('../node_modules/@weft/crdt-core', import.meta.url)))
  const dist = join(pkg, 'dist')
  const entry = join(dist, 'index.js')
  const target = join(workRoot, 'weft-core')
  cpSync(dist, target, { recursive: true })
  // ESM like the package, and its dependencies resolvable from the copy.
  writeFileSync(join(target, 'package.json'), '{ "type": "module" }\n')
  symlinkSync(join(pkg, 'node_modules'), join(target, 'node_modules'), 'dir')
  const module = join(target, 'index.js')
  return {
    module,
    sha256: createHash('sha256').update(readFileSync(module)).digest('hex').slice(0, 16),
    builtAt: statSync(entry).mtime.toISOString(),
  }
}
