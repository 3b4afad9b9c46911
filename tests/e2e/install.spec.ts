import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, test } from '@playwright/test'
// @ts-expect-error: plain .mjs scripts, no declarations
import { installExample } from '../../scripts/install-example.mjs'
// @ts-expect-error: plain .mjs scripts, no declarations
import { packPackages } from '../../scripts/pack-packages.mjs'
import { freePort } from './support/weft-server.js'

// The install story (issue 16): every package packed as it would be published, checked by publint
// and arethetypeswrong, and the examples installed from those tarballs in directories outside the
// workspace, then built and run (the React one in Chromium). Global setup has built the packages.
const root = resolve(import.meta.dirname, '../..')
const bin = join(root, 'node_modules/.bin')
const work = mkdtempSync(join(tmpdir(), 'weft-install-'))
let tarballs: Record<string, string> = {}

test.describe.configure({ mode: 'serial', timeout: 300_000 })
test.beforeAll(() => {
  tarballs = packPackages(join(work, 'packs'), { build: false }) as Record<string, string>
})
test.afterAll(() => rmSync(work, { recursive: true, force: true }))

const run = (cmd: string, cwd: string) => spawnSync(cmd, { cwd, shell: true, encoding: 'utf8' })

test('every package passes publint and arethetypeswrong, and names no workspace-only dependency', () => {
  expect(Object.keys(tarballs).sort()).toEqual([
    '@weft/client',
    '@weft/codemirror',
    '@weft/crdt-core',
    '@weft/devtools',
    '@weft/prosemirror',
    '@weft/react',
    '@weft/server',
  ])
  for (const [name, tgz] of Object.entries(tarballs)) {
    const publint = run(`"${bin}/publint" run --strict "${tgz}"`, root)
    expect(publint.status, `${name}: publint\n${publint.stdout}${publint.stderr}`).toBe(0)
    // ESM only: CommonJS consumers use import(), which attw's esm-only profile expects.
    const attw = run(`"${bin}/attw" "${tgz}" --profile esm-only --format ascii`, root)
    expect(attw.status, `${name}: attw\n${attw.stdout}${attw.stderr}`).toBe(0)
    const manifest = JSON.parse(run(`tar -xOzf "${tgz}" package/package.json`, root).stdout) as Record<string, unknown>
    expect(manifest.license, name).toBe('MIT')
    const deps = { ...(manifest.dependencies as object), ...(manifest.peerDependencies as object) }
    for (const [dep, range] of Object.entries(deps)) expect(String(range), `${name} -> ${dep}`).not.toMatch(/^(workspace|link|file):/)
  }
})

test('the Node example installs from the tarballs and syncs two clients through a server', () => {
  const dir = installExample('node-script', join(work, 'node-script'), tarballs) as string
  const r = run('node index.mjs', dir)
  expect(r.status, r.stderr).toBe(0)
  expect(r.stdout).toContain('bob sees: {"meta":{"title":"Greetings"},"body":"Hello from Alice"}')
})

test('the React example installs from the tarballs, type-checks, builds, and syncs two browsers', async ({ browser }) => {
  const dir = installExample('react-vite', join(work, 'react-vite'), tarballs) as string
  const build = run('pnpm run build', dir)
  expect(build.status, `${build.stdout}${build.stderr}`).toBe(0)

  // Served by the weft-server that the tarball installed (its bin), as the example's README says.
  const port = await freePort()
  const server: ChildProcess = spawn(join(dir, 'node_modules/.bin/weft-server'), ['--port', String(port), '--db', ':memory:', '--static', 'dist'], {
    cwd: dir,
    env: { ...process.env, WEFT_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  })
  try {
    const url = `http://127.0.0.1:${port}/`
    await expect
      .poll(
        () =>
          fetch(url).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 20_000 },
      )
      .toBe(200)
    const ctxA = await browser.newContext()
    const ctxB = await browser.newContext()
    const a = await ctxA.newPage()
    const b = await ctxB.newPage()
    await a.goto(url)
    await b.goto(url)
    const note = (p: typeof a) => p.getByRole('textbox', { name: 'Shared note' })
    await expect(note(a)).toBeEnabled()
    await note(a).click()
    await a.keyboard.type('typed in browser A')
    await expect(note(b)).toHaveValue('typed in browser A')
    await expect(a.getByRole('status')).toHaveText('Saved on the server')
    // @weft/devtools from its tarball too.
    await a.getByRole('button', { name: 'Weft devtools' }).click()
    await expect(a.locator('[data-testid="weft-devtools"] tr[data-doc="note:shared"]')).toContainText('synced')
    await ctxA.close()
    await ctxB.close()
  } finally {
    server.kill('SIGTERM')
  }
})
