import { badge, body, caretAt, createNote, expect, expectBody, openApp, openNote, screenshot, test, useOwnServer } from './support/app.js'

// A server of its own, so the list holds only these notes (docs/screenshot.png is taken from this run).
const server = useOwnServer()

test('screenshots of the main screens, with two people on one note', async ({ browser }) => {
  // Three notes and a paragraph typed key by key, each key saved and sent: over 30 s on a busy two-core machine.
  test.setTimeout(120_000)
  const ctxA = await browser.newContext({ viewport: { width: 1180, height: 680 } })
  const ctxB = await browser.newContext()
  const a = await ctxA.newPage()
  const b = await ctxB.newPage()
  await openApp(a, server.url)
  await openApp(b, server.url)
  await screenshot(a, 'empty')
  for (const t of ['Reading list', 'Groceries', 'Trip to Lisbon']) await createNote(a, t)
  await body(a).click()
  const trip =
    'Day 1 — Alfama, tram 28, pastéis de nata at Manteigaria.\nDay 2 — Sintra: Pena Palace early, before the crowds.\nDay 3 — Cascais and the coast.\n\nPack: light jacket, good shoes.'
  await a.keyboard.type(trip)
  await openNote(b, 'Trip to Lisbon')
  // All of it first: keys pressed while the rest still arrives move through a text that is still growing.
  await expectBody(b, trip, { timeout: 30_000 })
  await caretAt(b, 27)
  const bName = await b.locator('.me').getAttribute('data-name')
  await expect(a.locator(`[data-caret-of="${bName}"]`)).toHaveAttribute('data-caret-at', '27')
  await expect(badge(a)).toHaveAttribute('data-state', 'server')
  await body(a).blur()
  await screenshot(a, 'readme')
  await ctxA.close()
  await ctxB.close()
})
