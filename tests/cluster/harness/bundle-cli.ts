import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * Bundles `weft-server` from source (esbuild, which tsx brings) into
 * `packages/server/.cluster-cli/cli.mjs`, where its npm dependencies resolve
 * as the package's own: a node process then starts in a fraction of the time
 * tsx needs to compile every module, which matters when a run restarts nodes
 * dozens of times on a busy machine. Workspace packages are bundled from
 * their sources, so the run never uses a stale build.
 */
export async function bundleCli(): Promise<string> {
  const tsx = createRequire(`${root}package.json`).resolve('tsx/package.json')
  const esbuild = (await import(createRequire(tsx).resolve('esbuild'))) as { build(options: Record<string, unknown>): Promise<unknown> }
  const outfile = `${root}packages/server/.cluster-cli/cli.mjs`
  // The server's own npm dependencies stay imports (resolved from its node_modules); the rest is bundled.
  const pkg = createRequire(`${root}package.json`)(`${root}packages/server/package.json`) as { dependencies: Record<string, string> }
  const external = Object.keys(pkg.dependencies).filter((d) => !d.startsWith('@weft/'))
  await esbuild.build({
    entryPoints: [`${root}packages/server/src/cli.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...external, ...external.map((d) => `${d}/*`)],
    alias: { '@weft/crdt-core': `${root}packages/crdt-core/src/index.ts` },
    logLevel: 'error',
  })
  return outfile
}
