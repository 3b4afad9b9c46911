import type { Page } from '@playwright/test'
import { badge, body, createNote, expect, noteRow, openApp, setOffline, test, unique } from './support/app.js'

// [CLIENT-SWEEP-1] The outbox sweep uploads what docs not open in the client left in storage.
// The tabs of one browser share that storage, so one tab sweeps (a Web Lock, taken if free);
// before, every tab whose connection opened uploaded the same rows again.

/** Records whether `page` sends, over its WebSockets, any frame that names `docId`. */
function watchUploads(page: Page, docId: string): { sent: () => boolean } {
  let sent = false
  const needle = Buffer.from(docId)
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      const bytes = typeof f.payload === 'string' ? Buffer.from(f.payload) : f.payload
      if (bytes.includes(needle)) sent = true
    })
  })
  return { sent: () => sent }
}

test('[CLIENT-SWEEP-1] two tabs that connect at once: only one uploads a note edited offline and left', async ({ browser, appUrl }) => {
  const ctx = await browser.newContext()
  const writer = await ctx.newPage()
  await openApp(writer, appUrl)
  const title = unique('Left offline')
  await createNote(writer, title)
  const docId = `note:${await noteRow(writer, title).getAttribute('data-note-id')}`
  await setOffline(writer, true)
  await body(writer).click()
  await writer.keyboard.type('written offline, then the tab closed')
  await expect(badge(writer)).toHaveAttribute('data-state', 'local')
  await writer.close()

  // Two tabs, offline (the demo's switch, kept per tab), go online at once: both connections open
  // together and each would sweep. Neither opens the note, so only a sweep uploads it.
  const [a, b] = [await ctx.newPage(), await ctx.newPage()]
  const up = [watchUploads(a, docId), watchUploads(b, docId)]
  for (const page of [a, b]) {
    await page.addInitScript(() => sessionStorage.setItem('weft-demo:offline', '1'))
    await page.goto(appUrl)
    // Offline; once the tab has counted the edits the closed tab left, it says they are on this device.
    await expect(badge(page)).toHaveAttribute('data-state', /^(offline|local)$/)
  }
  await Promise.all([setOffline(a, false), setOffline(b, false)])
  await expect(badge(a)).toHaveAttribute('data-state', 'server', { timeout: 15_000 })
  await expect(badge(b)).toHaveAttribute('data-state', 'server', { timeout: 15_000 })
  // The server has it: another browser reads the note.
  const reader = await (await browser.newContext()).newPage()
  await openApp(reader, appUrl)
  await noteRow(reader, title).locator('.note-open').click()
  await expect(body(reader)).toContainText('written offline, then the tab closed')
  await a.waitForTimeout(500)
  expect(up.map((u) => u.sent())).toContain(true)
  expect(up.filter((u) => u.sent())).toHaveLength(1)
  await ctx.close()
})
