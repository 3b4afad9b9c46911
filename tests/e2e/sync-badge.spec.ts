import { badge, body, createNote, expect, openApp, setOffline, test, unique } from './support/app.js'

declare global {
  interface Window {
    __badgeStates: string[]
  }
}

test('the sync badge walks offline, saved on this device, syncing and saved on the server', async ({ page, appUrl }) => {
  // Record every state the badge shows, however briefly.
  await page.addInitScript(() => {
    window.__badgeStates = []
    const record = (): void => {
      const s = document.querySelector('[data-testid="sync-badge"]')?.getAttribute('data-state')
      if (s && window.__badgeStates.at(-1) !== s) window.__badgeStates.push(s)
    }
    new MutationObserver(record).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] })
  })
  const states = (): Promise<string[]> => page.evaluate(() => window.__badgeStates)
  await openApp(page, appUrl)
  expect((await states()).at(-1)).toBe('server')
  await expect(badge(page)).toHaveText('Saved on the server')

  await createNote(page, unique('Badge'))
  await expect(badge(page)).toHaveAttribute('data-state', 'server')

  await setOffline(page, true)
  await expect(badge(page)).toHaveAttribute('data-state', 'offline')
  await expect(badge(page)).toContainText('Offline')

  await body(page).click()
  await page.keyboard.type('written offline')
  await expect(badge(page)).toHaveAttribute('data-state', 'local')
  await expect(badge(page)).toContainText('Saved on this device')
  await expect(badge(page).getByTestId('unsaved')).toHaveText(/^[1-9]\d* unsaved$/)

  const mark = (await states()).length
  await setOffline(page, false)
  await expect(badge(page)).toHaveAttribute('data-state', 'server')
  await expect(badge(page).getByTestId('unsaved')).toHaveCount(0)
  // A keystroke's save still in flight when the mark was taken shows as 'offline' (saving…) then 'local'
  // again before the switch goes online; of the states after that, the first must be 'syncing'.
  const afterOnline = (await states()).slice(mark).filter((s) => s !== 'offline' && s !== 'local')
  expect(afterOnline[0]).toBe('syncing')
  expect(afterOnline.at(-1)).toBe('server')

  const all = await states()
  for (const s of ['offline', 'local', 'syncing', 'server']) expect(all).toContain(s)
})
