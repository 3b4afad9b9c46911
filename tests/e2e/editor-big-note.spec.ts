import type { Page } from '@playwright/test'
import { badge, body, bodyText, caret, createNote, expectBody, pasteText, setBodyCaret, expect, test, unique } from './support/app.js'

// Issue 16, item 4: holding ArrowDown in a 100 KB note open in two tabs and another browser
// threw "Maximum update depth exceeded" (React #185; onKeyUp -> remember -> setCaret).
test.describe.configure({ timeout: 480_000 })

function bigText(size: number): string {
  let out = ''
  for (let i = 0; out.length < size; i++) out += `line ${i}: the quick brown fox jumps over the lazy dog, again and again and again\n`
  return out.slice(0, size)
}

/** Collects uncaught page errors and console errors. */
function errorsOf(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  return errors
}

/**
 * Holds ArrowDown as a keyboard does: auto-repeated keydowns every `everyMs` whether or not the
 * page kept up (Playwright's keyboard waits for each key to be handled, which never lets them
 * queue), then a keyup. The CPU is slowed 4x, as on a modest laptop with three copies of the note open.
 */
async function holdArrowDown(page: Page, ms: number, everyMs = 33): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })
  const key = { key: 'ArrowDown', code: 'ArrowDown', windowsVirtualKeyCode: 40, nativeVirtualKeyCode: 40 }
  const sent: Promise<unknown>[] = []
  const until = Date.now() + ms
  for (let first = true; Date.now() < until; first = false) {
    sent.push(cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', autoRepeat: !first, ...key }))
    await new Promise((r) => setTimeout(r, everyMs))
  }
  sent.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...key }))
  await Promise.all(sent)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
  await cdp.detach()
}

test('holding ArrowDown in a 100 KB note open in two tabs and another browser keeps the app alive', async ({ browser, appUrl }) => {
  const mine = await browser.newContext()
  const theirs = await browser.newContext()
  const tab1 = await mine.newPage()
  const tab2 = await mine.newPage()
  const other = await theirs.newPage()
  const errors = [tab1, tab2, other].flatMap((p) => errorsOf(p))
  for (const p of [tab1, tab2, other]) {
    await p.goto(appUrl)
    await expect(badge(p)).toHaveAttribute('data-state', 'server', { timeout: 30_000 })
  }
  const title = unique('Big note')
  await createNote(tab1, title)
  const text = bigText(100 * 1024)
  await body(tab1).click()
  await pasteText(tab1, text)
  for (const p of [tab2, other]) {
    await p.locator('.note-row', { hasText: title }).locator('.note-open').click()
    await expect.poll(async () => (await bodyText(p)).length, { timeout: 60_000 }).toBe(text.length)
  }
  await body(tab2).click()
  await body(other).click()

  for (const [i, page] of [tab1, tab2, other, tab1, tab2, tab1].entries()) {
    await page.bringToFront()
    await setBodyCaret(page, i * 2000)
    await holdArrowDown(page, 2500)
    // The caret went down; the page still answers.
    expect(await caret(page)).toBeGreaterThan(i * 2000)
  }
  await tab1.waitForTimeout(1000)
  expect(errors).toEqual([])
  await expectBody(tab1, text, { timeout: 30_000 })
  await expectBody(other, text, { timeout: 30_000 })
  await mine.close()
  await theirs.close()
})
