import type { Page } from '@playwright/test'
import {
  bodyDocJSON,
  formattingTool as tool,
  expect,
  expectBody,
  setBodyCaret,
  test,
  twoBrowsers,
  sharedNote,
  bothOffline,
  expectSameDoc,
} from './support/app.js'

// Issue 22: moving a block does not duplicate it under concurrency ([MOVE-1]). Two browsers,
// both offline, move the same line: one up with Alt+ArrowUp, the other down with the toolbar.
// Back online, both show the same note with that line once.
test.describe.configure({ timeout: 180_000 })

const lines = async (page: Page) => (await bodyDocJSON(page)).content!.map((block) => (block.content ?? []).map((n) => n.text).join(''))

test('two browsers move the same line offline, one up and one down; back online it is there once, in both', async ({ browser, appUrl }) => {
  const { a, b, close } = await twoBrowsers(browser, appUrl)
  const start = 'first\nsecond\nthird line\nfourth'
  await sharedNote(a, b, 'Moves', start)
  await bothOffline(a, b, true)

  const third = start.indexOf('third')
  // A: bolds "third", then moves its line up twice (the caret's line moves with the caret).
  await setBodyCaret(a, third)
  for (let i = 0; i < 5; i++) await a.keyboard.press('Shift+ArrowRight')
  await tool(a, 'Bold').click()
  await setBodyCaret(a, third + 2)
  await a.keyboard.press('Alt+ArrowUp')
  await a.keyboard.press('Alt+ArrowUp')
  await expectBody(a, 'third line\nfirst\nsecond\nfourth')
  // The caret went with the line: typing lands in it.
  await a.keyboard.type('!')
  await expectBody(a, 'th!ird line\nfirst\nsecond\nfourth')
  // B: moves the same line down with the toolbar.
  await setBodyCaret(b, third + 2)
  await tool(b, 'Move block down').click()
  await expectBody(b, 'first\nsecond\nfourth\nthird line')

  await bothOffline(a, b, false)
  await expectSameDoc(a, b)
  const merged = await lines(a)
  // The line is there once, where the move with the higher (lamport, replica) put it; which one
  // that is depends on each browser's clock. Nothing typed is lost: A's "!" went into A's copy
  // of the line, and stays where A put the line if B's move wins ([MOVE-1]).
  const withoutBang = merged.join('\n').replace('!', '').split('\n')
  expect(withoutBang.filter((l) => l === 'third line')).toHaveLength(1)
  expect([...withoutBang].sort()).toEqual(['first', 'fourth', 'second', 'third line'])
  expect(merged.join('\n').split('!')).toHaveLength(2)
  expect(['third line|first|second|fourth', 'first|second|fourth|third line']).toContain(withoutBang.join('|'))
  await close()
})
