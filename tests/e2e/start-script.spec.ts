import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, test } from '@playwright/test'
import { block, readmeBlocks } from '../readme/readme-blocks.js'
import { freePort } from './support/weft-server.js'

// `pnpm start` as a user runs it (the builds were done by global setup). Not a browser test: it
// lives here because it needs the built server and demo, which Playwright's global setup makes.
const root = resolve(import.meta.dirname, '../..')

interface Run {
  readonly output: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly pid: number
}

/** A shell command line in its own process group, as a terminal runs a foreground job. */
function shell(line: string, env: Record<string, string>): Run {
  const child = spawn('bash', ['-c', line], {
    cwd: root,
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })))
  return { output: () => out, exited, pid: child.pid ?? 0 }
}

/** `pnpm start --no-build`: the builds are done. */
const pnpmStart = (env: Record<string, string>): Run => shell('pnpm start --no-build', env)

const tempDbPath = (): string => join(mkdtempSync(join(tmpdir(), 'weft-start-')), 'data', 'weft.db')

test('the README quick start, run as written, serves the demo; Ctrl+C stops it once, cleanly: exit 0, no "second signal", no ELIFECYCLE', async () => {
  test.setTimeout(300_000) // it installs (a no-op here) and builds everything, as a new user's first run does
  const port = await freePort()
  const quickStart = block(readmeBlocks(join(root, 'README.md')), 'quick-start').code.trim()
  expect(quickStart).toBe('bash scripts/setup.sh && pnpm start')
  const run = shell(quickStart, { PORT: String(port), WEFT_DB: tempDbPath() })
  await expect.poll(run.output, { timeout: 280_000 }).toContain(`Weft Notes is running at http://127.0.0.1:${port}/`)
  const page = await fetch(`http://127.0.0.1:${port}/`)
  expect(page.status).toBe(200)
  expect(await page.text()).toContain('<title>Weft Notes</title>')
  // What a terminal does on Ctrl+C: SIGINT to every process of the foreground group.
  process.kill(-run.pid, 'SIGINT')
  const exit = await run.exited
  expect(run.output()).not.toContain('second signal')
  expect(run.output()).not.toContain('ELIFECYCLE')
  expect(exit).toEqual({ code: 0, signal: null })
  // The server is gone too: its port is free again.
  await expect
    .poll(() =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => 'answering',
        () => 'gone',
      ),
    )
    .toBe('gone')
})

test('a taken port: pnpm start names the PORT variable it reads (not --port), and creates no database file', async () => {
  const blocker: Server = createServer()
  await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok))
  const address = blocker.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const db = tempDbPath()
  try {
    const run = pnpmStart({ PORT: String(port), WEFT_DB: db })
    const exit = await run.exited
    expect(exit.code).not.toBe(0)
    expect(run.output()).toContain(`127.0.0.1:${port} is already in use`)
    expect(run.output()).toContain(`PORT=${port + 1} pnpm start`)
    expect(run.output()).not.toContain('--port')
    expect(existsSync(db)).toBe(false)
    expect(existsSync(resolve(db, '..'))).toBe(false)
  } finally {
    blocker.close()
  }
})
