import type { Page } from '@playwright/test'
import { badge, body, createNote, expectBody, expect, noteRow, openApp, openNote, setOffline, test, unique } from './support/app.js'

const unsavedCount = async (page: Page): Promise<number> => Number(((await badge(page).getByTestId('unsaved').textContent()) ?? '').replace(/\D/g, ''))

test('offline with unsaved edits, opening another note keeps them counted on the badge (16.6a)', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  const first = unique('Left offline')
  await createNote(page, first)
  await setOffline(page, true)
  await body(page).click()
  await page.keyboard.type('six ed')
  await expect(badge(page)).toHaveAttribute('data-state', 'local')
  await expect(badge(page).getByTestId('unsaved')).toHaveText(/^[1-9]\d* unsaved$/)
  const before = await unsavedCount(page)

  // Another note: the first one's edits are still only on this device, and the badge must say so.
  await createNote(page, unique('Opened next'))
  await expect(badge(page)).toHaveAttribute('data-state', 'local')
  await expect.poll(() => unsavedCount(page)).toBeGreaterThanOrEqual(before)

  await setOffline(page, false)
  await expect(badge(page)).toHaveAttribute('data-state', 'server')
  await expect(badge(page).getByTestId('unsaved')).toHaveCount(0)
})

test('a tab offline types; the tab beside it, online, sends it to the server at once and only then says saved (16.6b)', async ({
  context,
  browser,
  appUrl,
}) => {
  const a1 = await context.newPage()
  const a2 = await context.newPage()
  const otherBrowser = await browser.newContext()
  const b = await otherBrowser.newPage()
  await openApp(a1, appUrl)
  await openApp(a2, appUrl)
  await openApp(b, appUrl)
  const title = unique('Relayed')
  await createNote(a1, title)
  await expect(noteRow(a2, title)).toBeVisible()
  await expect(noteRow(b, title)).toBeVisible()
  await openNote(a2, title)
  await openNote(b, title)

  await setOffline(a1, true)
  await body(a1).click()
  await a1.keyboard.type('typed in the offline tab')
  // A2 shows it at once (BroadcastChannel) and, being online, uploads it: the other browser gets it
  // while A1 is still offline.
  await expectBody(a2, 'typed in the offline tab')
  await expectBody(b, 'typed in the offline tab')
  await expect(badge(a2)).toHaveAttribute('data-state', 'server')
  await expect(badge(a1)).toHaveAttribute('data-state', 'local')

  await setOffline(a1, false)
  await expect(badge(a1)).toHaveAttribute('data-state', 'server')
  await expectBody(b, 'typed in the offline tab')
  await otherBrowser.close()
})
