import type { Page } from '@playwright/test'
import { body, bodyDocJSON, caret, createNote, expect, expectBody, openNote, pasteText, setBodyCaret, test, twoBrowsers, unique } from './support/app.js'

// The demo inserts a typed character with an editor transaction and cancels the keypress, so the
// browser's own editing command never runs (editor/typed-text.ts; in a long note that command cost
// more than the rest of the keystroke: bench/results/editor.md). Typing must still behave as it
// did on the browser's path: where the caret is, with the marks a user expects there, replacing a
// selection, and with text that arrives without a keypress (IME, emoji, dictation) left to the browser.

/** The text of block `i` that carries mark `type`. */
async function marked(page: Page, i: number, type: string): Promise<string> {
  const doc = await bodyDocJSON(page)
  return (doc.content?.[i]?.content ?? [])
    .filter((n) => n.marks?.some((m) => m.type === type))
    .map((n) => n.text)
    .join('')
}

/** Counts keypresses in the note body and how many of them the editor cancelled (the browser inserted nothing). */
async function watchKeypresses(page: Page): Promise<() => Promise<{ seen: number; cancelled: number }>> {
  await page.evaluate(() => {
    const w = window as unknown as { keypresses: { seen: number; cancelled: number } }
    w.keypresses = { seen: 0, cancelled: 0 }
    // On the window, in the bubble phase: after the editor's own handler on its element.
    window.addEventListener('keypress', (e) => {
      w.keypresses.seen++
      if (e.defaultPrevented) w.keypresses.cancelled++
    })
  })
  return () => page.evaluate(() => (window as unknown as { keypresses: { seen: number; cancelled: number } }).keypresses)
}

test('typing goes through an editor transaction: at the caret, with the marks there, over a selection; text without a keypress takes the browser path', async ({
  browser,
  appUrl,
}) => {
  const { a, b, close } = await twoBrowsers(browser, appUrl)
  const title = unique('Typing')
  await createNote(a, title)
  await body(a).click()
  await pasteText(a, 'alpha beta gamma\nsecond line')
  await expectBody(a, 'alpha beta gamma\nsecond line')
  const keypresses = await watchKeypresses(a)

  // Inside a word: each character where the caret is, the caret after it.
  await setBodyCaret(a, 'alpha be'.length)
  await a.keyboard.type('XY')
  await expectBody(a, 'alpha beXYta gamma\nsecond line')
  expect(await caret(a)).toBe('alpha beXY'.length)
  expect(await keypresses()).toEqual({ seen: 2, cancelled: 2 })

  // Bold switched on at a caret (a stored mark): what is typed next is bold, and the bold grows
  // at its end; typing elsewhere afterwards is plain.
  await setBodyCaret(a, 'alpha'.length)
  await a.keyboard.press('Control+b')
  await a.keyboard.type('!!')
  await a.keyboard.type('?')
  await expectBody(a, 'alpha!!? beXYta gamma\nsecond line')
  expect(await marked(a, 0, 'strong')).toBe('!!?')
  await setBodyCaret(a, 'alpha!!? beXYta gamma\nsecond line'.length)
  await a.keyboard.type('.')
  expect(await marked(a, 1, 'strong')).toBe('')

  // A selection inside a block is replaced by what is typed.
  const gamma = 'alpha!!? beXYta '.length
  await setBodyCaret(a, gamma)
  for (let i = 0; i < 'gamma'.length; i++) await a.keyboard.press('Shift+ArrowRight')
  await a.keyboard.type('Z')
  await expectBody(a, 'alpha!!? beXYta Z\nsecond line.')

  // Text that arrives without a keypress (an IME's commit, the emoji picker) is the browser's to insert, as before.
  const before = (await keypresses()).seen
  await a.keyboard.insertText('é🙂')
  await expectBody(a, 'alpha!!? beXYta Zé🙂\nsecond line.')
  expect((await keypresses()).seen).toBe(before)

  // And another browser gets the same note.
  await openNote(b, title)
  await expectBody(b, 'alpha!!? beXYta Zé🙂\nsecond line.')
  expect(await marked(b, 0, 'strong')).toBe('!!?')
  await close()
})
