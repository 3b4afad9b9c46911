import { body, createNote, expect, openApp, test, unique } from './support/app.js'

interface WeftConsoleLike {
  docs(): { id: string; versionVector: Record<string, number>; status: { connection: string } }[]
  log(n?: number): { doc: string; source: string }[]
}
declare global {
  interface Window {
    __weft?: WeftConsoleLike
  }
}

test('the demo has a devtools panel and window.__weft: docs, version vectors, sync state, presence and a delta log', async ({ context, appUrl }) => {
  test.setTimeout(90_000)
  const a = await context.newPage()
  const b = await context.newPage()
  await openApp(a, appUrl)
  await openApp(b, appUrl)
  const title = unique('Inspected')
  await createNote(a, title)
  await body(a).click()
  await a.keyboard.type('abc')

  await a.getByRole('button', { name: 'Weft devtools' }).click()
  const panel = a.getByTestId('weft-devtools')
  await expect(panel).toBeVisible()
  await expect(panel.getByTestId('weft-devtools-connection')).toHaveText('open')
  const index = panel.locator('tr[data-doc="notes:index"]')
  await expect(index).toContainText('synced')
  // The other tab is present on the index doc (its presence state names it).
  await expect(index).toContainText('"name"')
  await expect(panel.getByTestId('weft-devtools-log').locator('tr[data-source="local"]').first()).toBeVisible()

  // Tab b sees a's edits arrive from the other tab (or the server), in its own log and through the console helper.
  await expect.poll(() => b.evaluate(() => window.__weft?.log(50).some((e) => e.doc === 'notes:index' && e.source !== 'local'))).toBe(true)
  const docs = await b.evaluate(() => window.__weft?.docs() ?? [])
  const indexDoc = docs.find((d) => d.id === 'notes:index')
  expect(indexDoc?.status.connection).toBe('synced')
  expect(Object.keys(indexDoc?.versionVector ?? {}).length).toBeGreaterThan(0)
})
