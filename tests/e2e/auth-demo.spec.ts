import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, Page } from '@playwright/test'
import { badge, body, expectBody, createNote, expect, noteRow, openNote, test, unique } from './support/app.js'
import { freePort } from './support/weft-server.js'

// The demo against a Weft server that checks tokens: `WEFT_JWT_SECRET=... pnpm start` runs the
// demo's backend (dev sign-in, token endpoint, the app) and the Weft server beside it.
const root = resolve(import.meta.dirname, '../..')
let child: ChildProcess | undefined
let url = ''

test.beforeAll(async () => {
  const port = await freePort()
  const syncPort = await freePort()
  url = `http://127.0.0.1:${port}`
  child = spawn(process.execPath, [join(root, 'scripts/start.mjs'), '--no-build'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      WEFT_SYNC_PORT: String(syncPort),
      WEFT_JWT_SECRET: 'e2e-demo-secret',
      WEFT_DB: join(mkdtempSync(join(tmpdir(), 'weft-auth-')), 'weft.db'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  await expect
    .poll(
      () =>
        fetch(`${url}/api/session`).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 20_000 },
    )
    .toBe(200)
})
test.afterAll(() => {
  child?.kill('SIGTERM')
})

async function signIn(browser: Browser, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  await page.goto(url)
  await page.getByRole('textbox', { name: 'Your name' }).fill(name)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(badge(page)).toHaveAttribute('data-state', 'server')
  await expect(page.locator('.me')).toContainText(`You are ${name}`)
  return page
}

test('with a JWT secret the demo asks for a dev sign-in, gets tokens from its backend, and syncs two browsers', async ({ browser }) => {
  test.setTimeout(90_000)
  // No session, no token: the backend refuses, and the page shows the sign-in.
  expect((await fetch(`${url}/api/weft-token`)).status).toBe(401)

  const alice = await signIn(browser, 'Alice')
  const bob = await signIn(browser, 'Bob')
  const title = unique('Signed')
  await createNote(alice, title)
  await body(alice).click()
  await alice.keyboard.type('only for signed-in people')
  await expect(noteRow(bob, title)).toBeVisible()
  await openNote(bob, title)
  await expectBody(bob, 'only for signed-in people')
  await expect(badge(alice)).toHaveAttribute('data-state', 'server')
  await expect(bob.locator('[data-viewer="Alice"]')).toBeVisible()
})
