import { badge, expect, openApp, test, useOwnServer } from './support/app.js'

const server = useOwnServer()

test('after a server restart, coming back to the tab reconnects at once instead of waiting out the backoff', async ({ page }) => {
  test.setTimeout(90_000)
  // Every WebSocket the page opens, and whether it was refused.
  const attempts: { failed: boolean }[] = []
  page.on('websocket', (ws) => {
    const a = { failed: false }
    attempts.push(a)
    ws.on('socketerror', () => (a.failed = true))
    ws.on('close', () => (a.failed = true))
  })
  await openApp(page, server.url)

  await server.stop()
  await expect(badge(page)).not.toHaveAttribute('data-state', 'server')
  // Let the backoff grow to its cap (the demo's 10 s): after 5 refused attempts each wait is 5–10 s.
  const before = attempts.length
  await expect.poll(() => attempts.slice(before).filter((a) => a.failed).length, { timeout: 40_000 }).toBeGreaterThanOrEqual(6)
  // Right after a refused attempt: the next one is at least 5 s away.
  const refused = attempts.length
  await expect.poll(() => attempts.length > refused && attempts.at(-1)?.failed, { timeout: 15_000 }).toBe(true)
  await server.start()

  // The user comes back to the tab.
  const back = Date.now()
  await page.evaluate(() => window.dispatchEvent(new Event('focus')))
  await expect(badge(page)).toHaveAttribute('data-state', 'server', { timeout: 3_000 })
  console.log(`back on the server ${Date.now() - back} ms after focus`)
})
