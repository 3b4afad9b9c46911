import type { Page } from '@playwright/test'
import {
  badge,
  body,
  bodyDocJSON,
  type PMJSON,
  formattingTool as tool,
  caret,
  expect,
  expectBody,
  setBodyCaret,
  test,
  twoBrowsers,
  sharedNote,
  bothOffline,
  expectSameDoc,
} from './support/app.js'

// Issue 22: the demo's rich editor. Two browsers format one note concurrently while offline
// (bold, typing at a bold edge, a link, a heading, a checklist); back online both show the same
// ProseMirror document, and each draws the other's caret where the other person's caret is.
test.describe.configure({ timeout: 180_000 })

/** Selects [from, to) of the body (flat indices, lines joined by '\n') with Shift+ArrowRight, as a user would. */
async function select(page: Page, from: number, to: number): Promise<void> {
  await setBodyCaret(page, from)
  for (let i = from; i < to; i++) await page.keyboard.press('Shift+ArrowRight')
}

/** The characters of a block that carry mark `type`, joined (one string per block). */
function marked(block: PMJSON, type: string): string {
  return (block.content ?? [])
    .filter((n) => n.marks?.some((m) => m.type === type))
    .map((n) => n.text)
    .join('')
}

test('two browsers format one note offline (bold, a bold edge, a link, a heading, a checklist) and converge; remote carets are where the other is', async ({
  browser,
  appUrl,
}) => {
  const { a, b, close } = await twoBrowsers(browser, appUrl)
  const start = 'Packing list\ntent and stove\nmap'
  await sharedNote(a, b, 'Packing', start)
  await bothOffline(a, b, true)

  // A: bolds "tent", then types "s" at the bold edge (bold grows there), and makes line 1 a heading.
  const tent = start.indexOf('tent')
  await select(a, tent, tent + 4)
  await tool(a, 'Bold').click()
  await expect(tool(a, 'Bold')).toHaveAttribute('aria-pressed', 'true')
  await setBodyCaret(a, tent + 4)
  await a.keyboard.type('s')
  await setBodyCaret(a, 3)
  await tool(a, 'Heading').click()

  // B, meanwhile: types at the same spot (right after "tent", where A's bold ends), bolds
  // "list", links "stove" and turns "map" into a ticked checklist item.
  await setBodyCaret(b, tent + 4)
  await b.keyboard.type(' (2)')
  const list = start.indexOf('list')
  await select(b, list, list + 4)
  await tool(b, 'Bold').click()
  const stove = start.indexOf('stove') + ' (2)'.length
  await select(b, stove, stove + 5)
  b.once('dialog', (d) => d.accept('https://example.com/stove'))
  await tool(b, 'Link').click()
  await expect(b.locator('.rich-body a[href="https://example.com/stove"]')).toHaveText('stove')
  await setBodyCaret(b, stove + 5 + 2)
  await tool(b, 'Checklist').click()
  await b.locator('.rich-body li.check input[type=checkbox]').click()
  await expect(b.locator('.rich-body li.check')).toHaveAttribute('data-checked', 'true')

  // Each sees only its own edits, kept on its device.
  await expectBody(a, 'Packing list\ntents and stove\nmap')
  await expectBody(b, 'Packing list\ntent (2) and stove\nmap')
  await expect(badge(a)).toHaveAttribute('data-state', 'local')
  await expect(badge(b)).toHaveAttribute('data-state', 'local')

  await bothOffline(a, b, false)
  await expectSameDoc(a, b)
  const doc = await bodyDocJSON(a)
  const [heading, line, check] = doc.content!
  expect(doc.content).toHaveLength(3)
  // A's heading and B's bold on the same line both hold.
  expect(heading!.type).toBe('heading')
  expect(marked(heading!, 'strong')).toBe('list')
  // A's "tent" and the "s" A typed at its bold edge are bold; B's " (2)", typed there without
  // seeing the bold, sits at that spot (before or after A's "s": the replica ids order them).
  const text = (line!.content ?? []).map((n) => n.text).join('')
  expect(['tents (2) and stove', 'tent (2)s and stove']).toContain(text)
  expect(marked(line!, 'strong').replace(' (2)', '')).toBe('tents')
  // B's link covers exactly "stove"; B's checklist item is ticked.
  const links = (line!.content ?? []).filter((n) => n.marks?.some((m) => m.type === 'link' && m.attrs?.href === 'https://example.com/stove'))
  expect(links.map((n) => n.text).join('')).toBe('stove')
  expect(check).toMatchObject({ type: 'check', attrs: { checked: true }, content: [{ type: 'text', text: 'map' }] })

  // Remote carets: each editor draws the other person's caret at the index where it is.
  const aName = await a.locator('.me').getAttribute('data-name')
  const bName = await b.locator('.me').getAttribute('data-name')
  const inLine = await bodyDocJSON(a)
  const lineText = (inLine.content![1]!.content ?? []).map((n) => n.text).join('')
  const at = 'Packing list\n'.length + lineText.indexOf('and')
  await setBodyCaret(b, at)
  await setBodyCaret(a, 'Packing'.length)
  const bMark = a.locator(`[data-caret-of="${bName}"]`)
  const aMark = b.locator(`[data-caret-of="${aName}"]`)
  await expect(bMark).toHaveAttribute('data-caret-at', String(await caret(b)))
  await expect(aMark).toHaveAttribute('data-caret-at', String(await caret(a)))
  // Where it is drawn: clicking there in A's own editor puts A's caret at B's index.
  const box = (await bMark.boundingBox())!
  const area = (await body(a).boundingBox())!
  await body(a).click({ position: { x: box.x + 1 - area.x, y: box.y + box.height / 2 - area.y } })
  await expect.poll(() => caret(a)).toBe(at)
  // And B moving its caret (typing) moves it in A's view.
  await b.keyboard.type('x')
  await expect(bMark).toHaveAttribute('data-caret-at', String(at + 1))
  await close()
})
