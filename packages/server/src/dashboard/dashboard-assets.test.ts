import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { findDashboardDir, readAsset } from './dashboard-assets.js'

describe('the dashboard app build', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  const pkg = () => {
    const root = mkdtempSync(join(tmpdir(), 'weft-dashboard-'))
    dirs.push(root)
    return root
  }
  const built = (root: string) => {
    mkdirSync(join(root, 'dist/dashboard/assets'), { recursive: true })
    writeFileSync(join(root, 'dist/dashboard/index.html'), '<div id="root"></div>')
    writeFileSync(join(root, 'dist/dashboard/assets/index-abc.js'), 'console.log(1)')
    writeFileSync(join(root, 'dist/secret.txt'), 'no')
    return join(root, 'dist/dashboard/')
  }

  it('is found beside the published bundle, from the sources, and from a bundle elsewhere in the package; not at all before a build', () => {
    const root = pkg()
    expect(findDashboardDir(pathToFileURL(join(root, 'src/dashboard/dashboard-assets.ts')).href)).toBeUndefined()
    const dir = built(root)
    expect(findDashboardDir(pathToFileURL(join(root, 'dist/index.js')).href)).toBe(dir)
    expect(findDashboardDir(pathToFileURL(join(root, 'src/dashboard/dashboard-assets.ts')).href)).toBe(dir)
    expect(findDashboardDir(pathToFileURL(join(root, '.cluster-cli/cli.mjs')).href)).toBe(dir)
  })

  it('serves a plain file name of assets/ with its type, and nothing outside it', async () => {
    const dir = built(pkg())
    expect(await readAsset(dir, 'index-abc.js')).toEqual({ body: Buffer.from('console.log(1)'), type: 'text/javascript; charset=utf-8' })
    for (const name of ['../../secret.txt', '..', '.hidden.js', 'index-abc.txt', 'missing.js', '..%2Fsecret.js'])
      expect(await readAsset(dir, name)).toBeUndefined()
  })
})
