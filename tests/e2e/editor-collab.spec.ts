import type { Browser, Locator, Page } from '@playwright/test'
import {
  badge,
  body,
  bodyText,
  caret,
  createNote,
  expect,
  expectBody,
  openNote,
  pasteText,
  setBodyCaret,
  test,
  titleInput,
  twoBrowsers,
  unique,
} from './support/app.js'

// Issue 16, items 1-3: two people editing one note at the same spot, each in their own browser.
test.describe.configure({ timeout: 120_000 })

async function sharedNote(browser: Browser, appUrl: string, text: string): Promise<{ a: Page; b: Page; title: string; close(): Promise<void> }> {
  const { a, b, close } = await twoBrowsers(browser, appUrl)
  const title = unique('Together')
  await createNote(a, title)
  await body(a).click()
  await pasteText(a, text)
  await openNote(b, title)
  await expectBody(b, text)
  return { a, b, title, close }
}

/** Puts the caret at `pos` in the title field (as a click would). */
async function putCaret(field: Locator, pos: number): Promise<void> {
  await field.evaluate((el: HTMLTextAreaElement | HTMLInputElement, pos: number) => {
    el.focus()
    el.setSelectionRange(pos, pos)
  }, pos)
}

/** Types two strings at once, a key from each in turn, without waiting for either to reach the other. */
async function typeInterleaved(a: Page, sa: string, b: Page, sb: string): Promise<void> {
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    await Promise.all([sa[i] === undefined ? null : a.keyboard.type(sa[i]!), sb[i] === undefined ? null : b.keyboard.type(sb[i]!)])
  }
}

const pairs: [string, string][] = [
  ['Hello there', 'Hi again'],
  ['same', 'same'],
]
for (const [first, second] of pairs) {
  test(`typing "${first}" and "${second}" at the same spot at once keeps each person's text whole (16.1)`, async ({ browser, appUrl }) => {
    const start = 'Shopping\n'
    const { a, b, close } = await sharedNote(browser, appUrl, `${start}milk`)
    // Both carets at the start of the second line.
    await setBodyCaret(a, start.length)
    await setBodyCaret(b, start.length)
    await typeInterleaved(a, first, b, second)
    await expect(badge(a)).toHaveAttribute('data-state', 'server')
    await expect(badge(b)).toHaveAttribute('data-state', 'server')
    // A badge saying "server" means that browser's own keys are saved, not that it has the other's
    // yet: reading A then waiting for B to match that read would catch A a few keys short. Wait for
    // the two to agree, then check what they agree on.
    await expect.poll(async () => (await bodyText(a)) === (await bodyText(b)), { timeout: 10_000 }).toBe(true)
    const merged = await bodyText(a)
    expect([`${start}${first}${second}milk`, `${start}${second}${first}milk`]).toContain(merged)
    // Each caret is still right after its own text.
    const afterA = merged.indexOf(first, start.length) + first.length
    const afterB = merged.lastIndexOf(second) + second.length
    if (first !== second) {
      expect(await caret(a)).toBe(afterA)
      expect(await caret(b)).toBe(afterB)
    } else {
      // Equal words: which one is A's depends on the replica ids; each caret is after one of them, not the same one.
      const ends = [start.length + first.length, start.length + 2 * first.length]
      const [ca, cb] = [await caret(a), await caret(b)]
      expect(ends).toContain(ca)
      expect(ends).toContain(cb)
      expect(ca).not.toBe(cb)
    }
    await close()
  })
}

test("the other person's caret is drawn at their character, and its name covers no other line (16.2)", async ({ browser, appUrl }) => {
  const text = 'Day 1: Lisbon, tram 28.\nDay 2: Sintra and the palace.\nDay 3: the coast at Cascais.'
  const { a, b, close } = await sharedNote(browser, appUrl, text)
  const bName = await b.locator('.me').getAttribute('data-name')
  const mark = a.locator(`[data-caret-of="${bName}"]`)
  await setBodyCaret(a, 0)

  // B types in the middle of line 2, twice; A draws B's caret right after what B typed each time.
  let expected = text.indexOf('Sintra')
  await setBodyCaret(b, expected)
  for (const word of ['lovely ', 'green ']) {
    await b.keyboard.type(word)
    expected += word.length
    await expectBody(a, await bodyText(b))
    await expect(mark).toHaveAttribute('data-caret-at', String(expected))

    // Where it is drawn: clicking there in A's own editor puts A's caret at the same index.
    const box = (await mark.boundingBox())!
    await body(a).click({ position: await relativeTo(body(a), box.x + 1, box.y + box.height / 2) })
    expect(await caret(a)).toBe(expected)

    // The name label starts inside the caret's line, so it never covers the line above.
    const label = (await mark.locator('.remote-caret-name').boundingBox())!
    expect(label.y).toBeGreaterThanOrEqual(box.y - 0.5)
    expect(label.y + label.height).toBeLessThanOrEqual(box.y + box.height + 0.5)
  }
  await close()
})

async function relativeTo(target: Locator, x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await target.boundingBox())!
  return { x: x - box.x, y: y - box.y }
}

test('two people typing at the end of one title at once keep every keystroke (16.3)', async ({ browser, appUrl }) => {
  const { a, b, title, close } = await sharedNote(browser, appUrl, 'body')
  await expect(titleInput(b)).toHaveValue(title)
  await putCaret(titleInput(a), title.length)
  await putCaret(titleInput(b), title.length)
  await typeInterleaved(a, ' PPPP', b, ' QQQQ')
  await expect(badge(a)).toHaveAttribute('data-state', 'server')
  await expect(badge(b)).toHaveAttribute('data-state', 'server')
  // Each badge saying "server" means that browser's own keys are saved, not that it has the other's
  // yet (CI read A's title one Q short, before B's last key reached it): wait for the two to agree.
  await expect.poll(async () => (await titleInput(a).inputValue()) === (await titleInput(b).inputValue()), { timeout: 10_000 }).toBe(true)
  const merged = await titleInput(a).inputValue()
  expect([`${title} PPPP QQQQ`, `${title} QQQQ PPPP`]).toContain(merged)
  await expect(b.locator('.note-row .note-title', { hasText: merged })).toHaveCount(1)
  await close()
})
