// Packs every public package of the workspace into tarballs, as `pnpm publish` would upload them.
//
//   node scripts/pack-packages.mjs <dir> [--no-build]
//
// Prints one line per package: name and tarball path. The tarballs' package.json have no
// workspace: ranges left (pnpm pack replaces them with the versions).
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

function pnpm(args, cwd) {
  // shell: pnpm is pnpm.cmd on Windows.
  const r = spawnSync(`pnpm ${args}`, { cwd, shell: true, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`pnpm ${args} failed in ${cwd} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

/** The workspace's publishable packages: `{ name, dir }`. */
export function publicPackages() {
  return readdirSync(join(root, 'packages'))
    .map((d) => join(root, 'packages', d))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir }))
}

/** Packs every public package into `dest`; returns package name -> tarball path. */
export function packPackages(dest, { build = true } = {}) {
  mkdirSync(dest, { recursive: true })
  if (build) pnpm('-r --filter "./packages/**" run build', root)
  const tarballs = {}
  for (const { name, dir } of publicPackages()) {
    const out = pnpm(`pack --pack-destination "${dest}"`, dir)
    const file = out.trim().split('\n').at(-1)?.trim()
    if (!file?.endsWith('.tgz')) throw new Error(`pnpm pack printed no tarball for ${name}:\n${out}`)
    tarballs[name] = resolve(dest, file)
  }
  return tarballs
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dest = process.argv[2]
  if (!dest) {
    console.error('usage: node scripts/pack-packages.mjs <dir> [--no-build]')
    process.exit(2)
  }
  const tarballs = packPackages(resolve(dest), { build: !process.argv.includes('--no-build') })
  for (const [name, file] of Object.entries(tarballs)) console.log(`${name}\t${file}`)
}
