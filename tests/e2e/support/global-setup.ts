import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { WeftServer } from './weft-server.js'

/**
 * Builds the packages and the demo once (skip with WEFT_E2E_SKIP_BUILD=1),
 * then starts the shared server; specs find it at WEFT_E2E_URL.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.WEFT_E2E_SKIP_BUILD !== '1') {
    const root = resolve(import.meta.dirname, '../../..')
    const r = spawnSync(process.execPath, ['scripts/start.mjs', '--build-only'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    if (r.status !== 0) throw new Error(`build failed (exit ${r.status})`)
  }
  const server = new WeftServer()
  await server.start()
  process.env.WEFT_E2E_URL = server.url
  return () => server.stop()
}
