import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Bundles a test process's entry from source (esbuild, which tsx brings) into
 * packages/server/.cluster-cli/, where the server's npm dependencies resolve:
 * a plain `node file.mjs` then starts in a fraction of tsx's time, which
 * matters when a test kills and restarts it many times.
 */
export async function bundleEntry(entry: string, name: string): Promise<string> {
  const tsx = createRequire(`${root}package.json`).resolve('tsx/package.json')
  const esbuild = (await import(createRequire(tsx).resolve('esbuild'))) as { build(options: Record<string, unknown>): Promise<unknown> }
  const outfile = `${root}packages/server/.cluster-cli/${name}.mjs`
  const pkg = createRequire(`${root}package.json`)(`${root}packages/server/package.json`) as { dependencies: Record<string, string> }
  const external = Object.keys(pkg.dependencies).filter((d) => !d.startsWith('@weft/'))
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...external, ...external.map((d) => `${d}/*`)],
    alias: { '@weft/crdt-core': `${root}packages/crdt-core/src/index.ts`, '@weft/server': `${root}packages/server/src/index.ts` },
    logLevel: 'error',
  })
  return outfile
}
