// Copies an example to a directory of its own and installs it from packed tarballs, as an outside
// project installs the published packages: no workspace, no links into this repository.
//
//   node scripts/install-example.mjs <example> <dir> [<packs dir>]   (packs: built and packed when absent)
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packPackages } from './pack-packages.mjs'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

/**
 * Copies `examples/<name>` to `dir`, points its @weft/* dependencies (and, through overrides, theirs
 * on each other) at the tarballs, and runs `pnpm install` there. Returns `dir`.
 */
export function installExample(name, dir, tarballs) {
  const from = join(root, 'examples', name)
  if (!existsSync(join(from, 'package.json'))) throw new Error(`no example ${name} in ${join(root, 'examples')}`)
  cpSync(from, dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)([\\/]|$)/.test(src.slice(from.length)) })
  const manifestPath = join(dir, 'package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  const file = (pkg) => {
    const tgz = tarballs[pkg]
    if (!tgz) throw new Error(`example ${name} depends on ${pkg}, which was not packed`)
    return `file:${tgz}`
  }
  for (const field of ['dependencies', 'devDependencies']) {
    for (const pkg of Object.keys(manifest[field] ?? {})) if (pkg.startsWith('@weft/')) manifest[field][pkg] = file(pkg)
  }
  // Until they are on the registry, @weft/* packages find each other through these.
  manifest.pnpm = { ...manifest.pnpm, overrides: Object.fromEntries(Object.keys(tarballs).map((pkg) => [pkg, file(pkg)])) }
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  // pnpm 10 runs no dependency's build script unless allowed, and fails the install where builds are
  // strict; better-sqlite3 (the server's SQLite store) must compile, as an app's own setup would allow.
  if (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'allowBuilds:\n  better-sqlite3: true\n  esbuild: true\n')
  }
  // The dir is outside any workspace; a lockfile does not exist yet (CI=true would demand one).
  const r = spawnSync('pnpm install --no-frozen-lockfile --reporter=append-only', { cwd: dir, shell: true, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`pnpm install failed in ${dir} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`)
  return dir
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [name, dir, packs] = process.argv.slice(2)
  if (!name || !dir) {
    console.error('usage: node scripts/install-example.mjs <example> <dir> [<packs dir>]')
    process.exit(2)
  }
  const tarballs = packPackages(resolve(packs ?? join(tmpdir(), `weft-packs-${process.pid}`)), { build: packs === undefined })
  installExample(name, resolve(dir), tarballs)
  console.log(`installed examples/${name} in ${resolve(dir)} from ${Object.values(tarballs).join(', ')}`)
}
