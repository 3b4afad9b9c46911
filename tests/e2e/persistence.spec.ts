import {
  badge,
  body,
  expectBody,
  caretAt,
  createNote,
  expect,
  noteRow,
  openApp,
  openNote,
  screenshot,
  setOffline,
  test,
  unique,
  useOwnServer,
} from './support/app.js'

// This file runs its own server, so it can restart it.
const server = useOwnServer()

// Key-by-key typing and several pages on a 2-core machine shared with other work: over the
// default 30 s (runs stopped at 30-34 s, each time at a different step, with nothing wrong shown).
test.describe.configure({ timeout: 90_000 })

test('reload keeps everything, including edits made offline and not yet sent', async ({ page }) => {
  await openApp(page, server.url)
  const title = unique('Reading')
  await createNote(page, title)
  await body(page).click()
  await page.keyboard.type('Dune')
  await expect(badge(page)).toHaveAttribute('data-state', 'server')

  await page.reload()
  await expect(noteRow(page, title)).toBeVisible()
  await expectBody(page, 'Dune') // the URL keeps the open note

  // Offline edits live in IndexedDB: a reload before they reach the server keeps them, and sends them after.
  await setOffline(page, true)
  await caretAt(page, 4)
  await page.keyboard.type(', Solaris')
  await expect(badge(page)).toHaveAttribute('data-state', 'local')
  await page.reload()
  await expectBody(page, 'Dune, Solaris')
  // The Offline switch is kept per tab across a reload, so nothing is sent until it is switched off.
  await expect(badge(page)).toHaveAttribute('data-state', 'local')
  await setOffline(page, false)
  await expect(badge(page)).toHaveAttribute('data-state', 'server')

  const fresh = await page.context().browser()!.newPage() // a new context: nothing local
  await fresh.goto(server.url)
  await openNote(fresh, title)
  await expectBody(fresh, 'Dune, Solaris')
  await fresh.close()
})

test('a restarted server keeps everything, and edits made while it was down arrive', async ({ page, browser }) => {
  await openApp(page, server.url)
  const title = unique('Garden')
  await createNote(page, title)
  await body(page).click()
  await page.keyboard.type('tomatoes')
  await expect(badge(page)).toHaveAttribute('data-state', 'server')

  await server.stop()
  await expect(badge(page)).not.toHaveAttribute('data-state', 'server')
  await page.keyboard.type(', basil')
  await expect(badge(page).getByTestId('unsaved')).toBeVisible()

  await server.start()
  await expect(badge(page)).toHaveAttribute('data-state', 'server', { timeout: 20_000 })

  const ctx = await browser.newContext()
  const other = await ctx.newPage()
  await openApp(other, server.url)
  await openNote(other, title)
  await expectBody(other, 'tomatoes, basil')
  await screenshot(other, 'after-server-restart')
  await ctx.close()
})
