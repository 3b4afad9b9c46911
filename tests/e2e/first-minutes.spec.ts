import type { Page } from '@playwright/test'
import {
  badge,
  body,
  createNote,
  expect,
  expectBody,
  noteRow,
  offlineSwitch,
  openApp,
  openNote,
  setOffline,
  test,
  titleInput,
  twoBrowsers,
  unique,
} from './support/app.js'

// Issue 16, item 10: what a new user hit in the demo's first minutes.
// Two browsers per test on a 2-core machine shared with other work: more time than the default.
test.describe.configure({ timeout: 90_000 })

declare global {
  interface Window {
    __listTexts: string[]
  }
}

/** Records every text the notes list shows, however briefly, from the first paint on. */
async function recordListTexts(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    window.__listTexts = []
    const record = (): void => {
      const t = document.querySelector('.list-empty')?.textContent
      if (t && window.__listTexts.at(-1) !== t) window.__listTexts.push(t)
    }
    new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true })
  })
  return () => page.evaluate(() => window.__listTexts)
}

test('"No notes yet" never shows while the list loads: on a reload, and in a fresh browser', async ({ browser, page, appUrl }) => {
  await openApp(page, appUrl)
  const title = unique('Existing')
  await createNote(page, title)
  await expect(badge(page)).toHaveAttribute('data-state', 'server')

  const shown = await recordListTexts(page)
  await page.reload()
  await expect(noteRow(page, title)).toBeVisible()
  expect((await shown()).join(' | ')).not.toContain('No notes yet')

  // A browser that never saw the app: its own copy is empty until the server answers.
  const fresh = await browser.newContext()
  const other = await fresh.newPage()
  const shownThere = await recordListTexts(other)
  await other.goto(appUrl)
  await expect(noteRow(other, title)).toBeVisible()
  expect((await shownThere()).join(' | ')).not.toContain('No notes yet')
  await fresh.close()
})

test('a new note opens with an empty title that has the focus, so typing names it', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  await page.getByRole('button', { name: '+ New note' }).click()
  await expect(titleInput(page)).toBeFocused()
  await expect(titleInput(page)).toHaveValue('')
  await expect(titleInput(page)).toHaveAttribute('placeholder', 'Untitled')
  const title = unique('Typed')
  await page.keyboard.type(title)
  await expect(titleInput(page)).toHaveValue(title)
  await expect(noteRow(page, title)).toBeVisible()
})

test('deleting the note someone has open tells them, and they can restore it with its text', async ({ browser, appUrl }) => {
  const { a, b, close } = await twoBrowsers(browser, appUrl)
  const title = unique('Doomed')
  await createNote(a, title)
  await body(a).click()
  await a.keyboard.type('text worth keeping')
  await expect(noteRow(b, title)).toBeVisible()
  await openNote(b, title)
  await expectBody(b, 'text worth keeping')

  await noteRow(b, title)
    .getByRole('button', { name: `Delete ${title}` })
    .click()
  await expect(noteRow(a, title)).toHaveCount(0)
  const alert = a.getByRole('alert')
  await expect(alert).toContainText(`“${title}” was deleted`)

  await alert.getByRole('button', { name: 'Restore it' }).click()
  await expectBody(a, 'text worth keeping')
  await expect(titleInput(a)).toHaveValue(title)
  await expect(noteRow(b, title)).toBeVisible()
  await openNote(b, title)
  await expectBody(b, 'text worth keeping')
  await close()
})

test('the Offline switch stays on across a reload, and nothing is uploaded until it is switched off', async ({ browser, appUrl }) => {
  const { a, b, close } = await twoBrowsers(browser, appUrl)
  const title = unique('Offline')
  await createNote(a, title)
  await expect(badge(a)).toHaveAttribute('data-state', 'server')
  await openNote(b, title)

  await setOffline(a, true)
  await body(a).click()
  await a.keyboard.type('kept here')
  await expect(badge(a)).toHaveAttribute('data-state', 'local')

  await a.reload()
  await expect(offlineSwitch(a)).toBeChecked()
  await expectBody(a, 'kept here')
  await expect(badge(a)).toHaveAttribute('data-state', 'local')
  // Long enough for a reconnect and an upload, had the reload plugged the cable back in.
  await b.waitForTimeout(2_000)
  await expectBody(b, '')

  await setOffline(a, false)
  await expectBody(b, 'kept here')
  await expect(badge(a)).toHaveAttribute('data-state', 'server')
  await close()
})
