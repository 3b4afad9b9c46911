import type { Page } from '@playwright/test'
import { bodyText, expect, expectBody, setBodyCaret, sharedNote, test, twoBrowsers } from './support/app.js'

// Issue 16 item 5: a long note's blocks sit in chunks of about a hundred (layout only; the text does
// not record them, see apps/demo-notes/src/editor/schema.ts). Editing across a chunk's edge must
// behave as it does between any two blocks, in the editor and in the other browser.
test.describe.configure({ timeout: 180_000 })

const LINES = Array.from({ length: 450 }, (_, i) => `line ${i}`)

/** How many blocks each chunk of the note body holds, in order. */
const chunkSizes = (page: Page): Promise<number[]> =>
  page.getByRole('textbox', { name: 'Note body' }).evaluate((el) => [...el.querySelectorAll(':scope > .chunk')].map((c) => c.childElementCount))

/** The first line of the chunk after the first, the flat index where it starts, and the line before it. */
async function secondChunkStart(page: Page): Promise<{ line: string; at: number; before: string }> {
  const line = await page
    .getByRole('textbox', { name: 'Note body' })
    .evaluate((el) => el.querySelector(':scope > .chunk:nth-child(2) > :first-child')?.textContent ?? '')
  const text = await bodyText(page)
  const at = text.indexOf(`\n${line}\n`) + 1
  return {
    line,
    at,
    before: text
      .slice(0, at - 1)
      .split('\n')
      .pop()!,
  }
}

/** Waits until both browsers show `text`. */
async function bothShow(a: Page, b: Page, text: string): Promise<void> {
  await expectBody(a, text)
  await expectBody(b, text)
}

test('a long note is drawn in chunks, and Backspace, Delete, moving a line and fast typing work across their edges in both browsers', async ({
  browser,
  appUrl,
}) => {
  const { a, b, close } = await twoBrowsers(browser, appUrl)
  await sharedNote(a, b, 'Chunks', LINES.join('\n'))
  // Pasted, then split by the binding (typist) and rendered in chunks (reader): no chunk over 200 blocks.
  for (const page of [a, b]) {
    const sizes = await chunkSizes(page)
    expect(sizes.length).toBeGreaterThan(2)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(200)
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(LINES.length)
  }

  // Backspace at the start of a chunk's first line joins it to the line before, in one key.
  const edge = await secondChunkStart(a)
  await setBodyCaret(a, edge.at)
  await a.keyboard.press('Backspace')
  let expected = LINES.join('\n').replace(`${edge.before}\n${edge.line}`, `${edge.before}${edge.line}`)
  await bothShow(a, b, expected)

  // Delete at the end of the line now ending the first chunk joins the next one to it.
  const next = await secondChunkStart(b)
  await setBodyCaret(b, next.at - 1)
  await b.keyboard.press('Delete')
  expected = expected.replace(`${next.before}\n${next.line}`, `${next.before}${next.line}`)
  await bothShow(a, b, expected)

  // Moving the first line of a chunk up puts it above the last line of the chunk before.
  const third = await secondChunkStart(a)
  await setBodyCaret(a, third.at + 1)
  await a.keyboard.press('Alt+ArrowUp')
  expected = expected.replace(`${third.before}\n${third.line}\n`, `${third.line}\n${third.before}\n`)
  await bothShow(a, b, expected)
  // The caret went with the line.
  await a.keyboard.type('!')
  expected = expected.replace(`${third.line}\n`, `${third.line.slice(0, 1)}!${third.line.slice(1)}\n`)
  await expectBody(a, expected)

  // Characters typed without a pause, mixed with keys that are not characters, land in typing order.
  const end = expected.indexOf('\nline 440\n') + 'line 440'.length + 1
  await setBodyCaret(b, end)
  await b.keyboard.type(' ab')
  await b.keyboard.press('Backspace')
  await b.keyboard.type('cd')
  await b.keyboard.press('ArrowLeft')
  await b.keyboard.type('e')
  expected = expected.replace('\nline 440\n', '\nline 440 aced\n')
  await bothShow(a, b, expected)
  // The same within one task, as a busy browser can deliver them: a character, Enter, a character.
  await setBodyCaret(b, expected.indexOf('\nline 441\n') + 'line 441'.length + 1)
  await b.getByRole('textbox', { name: 'Note body' }).evaluate((el) => {
    const key = (type: string, init: KeyboardEventInit) => el.dispatchEvent(new KeyboardEvent(type, { bubbles: true, cancelable: true, ...init }))
    for (const [k, code] of [
      ['x', 120],
      ['Enter', 13],
      ['y', 121],
    ] as const) {
      key('keydown', { key: k, keyCode: code })
      if (k !== 'Enter') key('keypress', { key: k, charCode: code })
    }
  })
  expected = expected.replace('\nline 441\n', '\nline 441x\ny\n')
  await bothShow(a, b, expected)
  await close()
})
