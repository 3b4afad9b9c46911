import type { Page } from '@playwright/test'
import { badge, body, createNote, expect, expectBody, noteRow, openNote, screenshot, setOffline, test, twoBrowsers, unique } from './support/app.js'

// Issue #21: a note's short link is claimed uniquely with client.strong.claim (CP, online only).
const linkInput = (page: Page) => page.getByRole('textbox', { name: 'Short link' })
const linkStatus = (page: Page) => page.getByTestId('short-link-status')

async function pickLink(page: Page, slug: string): Promise<void> {
  await linkInput(page).fill(slug)
  await page.getByRole('button', { name: 'Reserve link' }).click()
}

test('two people offline pick the same short link: back online, one gets it, the other is told, both notes keep every edit', async ({ browser, appUrl }) => {
  // Two browsers, each going offline and back: longer than one page's default on a shared two-core machine.
  test.setTimeout(180_000)
  const { a, b, close } = await twoBrowsers(browser, appUrl)
  const slug = `trip-to-lisbon-${Math.random().toString(36).slice(2, 7)}`
  const titleA = unique('Lisbon (Ann)')
  const titleB = unique('Lisbon (Bo)')

  await setOffline(a, true)
  await setOffline(b, true)
  await expect(badge(a)).toHaveAttribute('data-state', 'offline')
  await expect(badge(b)).toHaveAttribute('data-state', 'offline')

  // Offline: each writes a note and picks the same link; the pick is saved, the claim waits for the server.
  await createNote(a, titleA)
  await body(a).click()
  await a.keyboard.type('pastel de nata')
  await pickLink(a, slug)
  await expect(linkStatus(a)).toHaveText(`/n/${slug} will be reserved when you are back online (links are unique, so only the server can hand them out).`)
  await createNote(b, titleB)
  await body(b).click()
  await b.keyboard.type('tram 28')
  await pickLink(b, slug)
  await expect(linkStatus(b)).toContainText('will be reserved when you are back online')

  // Ann comes back first and gets the link.
  await setOffline(a, false)
  await expect(linkStatus(a)).toHaveText(`Short link: /n/${slug} is this note’s.`, { timeout: 30_000 })
  // Bo comes back: a clear message, nothing lost.
  await setOffline(b, false)
  await expect(linkStatus(b)).toHaveText(
    `/n/${slug} was already taken by another note while you were offline. Your note and every edit in it are kept; pick another link.`,
    { timeout: 30_000 },
  )
  await expect(b.getByRole('alert')).toBeVisible()
  await expectBody(b, 'tram 28')
  await screenshot(b, 'short-link-taken')

  // Both notes, with every edit, reach both browsers.
  await expect(badge(a)).toHaveAttribute('data-state', 'server')
  await expect(badge(b)).toHaveAttribute('data-state', 'server')
  await openNote(a, titleB)
  await expectBody(a, 'tram 28')
  await openNote(b, titleA)
  await expectBody(b, 'pastel de nata')
  await expect(linkStatus(b)).toHaveText(`Short link: /n/${slug} is this note’s.`)

  // Bo picks another link online: reserved at once.
  await openNote(b, titleB)
  await pickLink(b, `${slug}-too`)
  await expect(linkStatus(b)).toHaveText(`Short link: /n/${slug}-too is this note’s.`)
  await expect(noteRow(a, titleB)).toBeVisible()
  await close()
})
