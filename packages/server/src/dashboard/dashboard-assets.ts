import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Where the dashboard app's build (`vite build` of `packages/server/dashboard`,
 * run by the package's build script) lies, seen from the module that runs:
 * `dist/dashboard/` beside the published bundle; the same folder of the
 * package when the server runs from its sources (tests, tsx) or from a
 * bundle elsewhere in the package (the cluster tests' `.cluster-cli/`).
 * Undefined when it was not built.
 */
export function findDashboardDir(moduleUrl: string = import.meta.url): string | undefined {
  for (const rel of ['./dashboard/', '../dist/dashboard/', '../../dist/dashboard/']) {
    const dir = fileURLToPath(new URL(rel, moduleUrl))
    if (existsSync(join(dir, 'index.html'))) return dir
  }
  return undefined
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
}

/** One file of the build's `assets/`: a plain name only (no path can reach out of the folder). */
export async function readAsset(dir: string, name: string): Promise<{ readonly body: Buffer; readonly type: string } | undefined> {
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) return undefined
  const type = TYPES[extname(name)]
  if (type === undefined) return undefined
  try {
    return { body: await readFile(join(dir, 'assets', name)), type }
  } catch {
    return undefined
  }
}
