import type { Page } from '@playwright/test'
import { body, bodyText, createNote, expect, openApp, openNote, pasteText, setBodyCaret, test, unique } from './support/app.js'

// Issue 16, item 5: while the note's editor has the focus, every React commit saves and restores
// its selection as character offsets, walking the editor's whole DOM (O(note) per commit). So a
// keystroke must commit nothing in React: not in the typist's page (the sync badge's two status
// changes, the note's own status) and not in a reader's page (the typist's caret moving in presence).

/** Counts React commits from the page's start, through the hook React DevTools uses. */
async function countCommits(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __commits: number; __REACT_DEVTOOLS_GLOBAL_HOOK__: unknown }
    w.__commits = 0
    w.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
      supportsFiber: true,
      renderers: new Map(),
      inject: () => 1,
      checkDCE: () => {},
      onCommitFiberRoot: () => {
        w.__commits++
      },
      onCommitFiberUnmount: () => {},
      onPostCommitFiberRoot: () => {},
    }
  })
}

const commits = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as { __commits: number }).__commits)

test('[DEMO-1] typing in a note commits no React render, in the typist’s page or a reader’s', async ({ browser, appUrl }) => {
  const a = await (await browser.newContext()).newPage()
  const b = await (await browser.newContext()).newPage()
  await countCommits(a)
  await countCommits(b)
  await openApp(a, appUrl)
  await openApp(b, appUrl)
  const title = unique('Renders')
  await createNote(a, title)
  const text = 'first line of the note\nsecond line\nthird line\n'
  await body(a).click()
  await pasteText(a, text)
  await openNote(b, title)
  await expect.poll(() => bodyText(b)).toBe(text)
  // Both carets in the text, both published: the reader's is drawn in the typist's view.
  await setBodyCaret(b, 5)
  await setBodyCaret(a, 12)
  await expect(a.locator('.remote-caret')).toHaveCount(1)
  await expect(b.locator('.remote-caret')).toHaveCount(1)
  await a.waitForTimeout(1500) // everything saved and acked, presence settled

  const before = { a: await commits(a), b: await commits(b) }
  expect(before.a).toBeGreaterThan(0) // the hook does see React's commits
  for (let i = 0; i < 8; i++) {
    await a.keyboard.press('KeyK')
    await a.waitForTimeout(100)
  }
  const typed = `${text.slice(0, 12)}kkkkkkkk${text.slice(12)}`
  await expect.poll(() => bodyText(b)).toBe(typed)
  // The typist's caret, as presence, has reached the reader: drawn after the typed run.
  await expect(b.locator('.remote-caret')).toHaveAttribute('data-caret-at', '20')
  await a.waitForTimeout(1000)
  expect({ a: (await commits(a)) - before.a, b: (await commits(b)) - before.b }).toEqual({ a: 0, b: 0 })
})
