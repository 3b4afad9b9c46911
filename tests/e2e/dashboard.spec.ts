import { fileURLToPath } from 'node:url'
import { expect, type Page, test } from '@playwright/test'
import { createClient, memoryStorage } from '@weft/client'
import { Doc, inspectDelta } from '@weft/crdt-core'
import pg from 'pg'
import { type Regions, startRegions } from '../regions/harness/regions-run.js'

const TOKEN = 'dashboard-admin-token'
const screenshot = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url))

/**
 * Three regions as real processes (a has two nodes), each with its own
 * PostgreSQL database and NATS, linked through cuttable proxies; every node
 * serves the dashboard to the admin token and runs the auditor.
 */
let net: Regions

test.beforeAll(async () => {
  test.setTimeout(240_000)
  net = await startRegions({
    names: ['a', 'b', 'c'],
    nodes: { a: 2 },
    args: ['--node-ttl-ms', '2000', '--audit-interval-ms', '200'],
    env: { WEFT_ADMIN_TOKEN: TOKEN },
  })
})

test.afterAll(async () => {
  await net?.close()
})

/** A few docs written into region a's store as the server would store them (bytes verbatim, ranges from the delta). */
async function writeDocs(client: pg.Client, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const d = new Doc({ replicaId: 9000 + i })
    const deltas: Uint8Array[] = []
    d.on('delta', (b: Uint8Array) => deltas.push(b.slice()))
    for (let k = 0; k < 5; k++) d.getText('body').insert(k, 'x')
    const doc = `note:${i}`
    let vv = 0
    for (const [s, bytes] of deltas.entries()) {
      const ranges = inspectDelta(bytes).ranges
      vv = Math.max(vv, ...ranges.map((r) => r.to))
      await client.query('INSERT INTO weft_deltas (doc, seq, ranges, bytes) VALUES ($1, $2, $3, $4)', [
        doc,
        s + 1,
        JSON.stringify(ranges.map((r) => [r.replica, r.from, r.to])),
        Buffer.from(bytes),
      ])
    }
    await client.query(`INSERT INTO weft_docs (doc, head_seq, pruned_vv) VALUES ($1, $2, '{}')`, [doc, deltas.length])
    await client.query('INSERT INTO weft_doc_replicas (doc, replica, counter) VALUES ($1, $2, $3)', [doc, 9000 + i, vv])
  }
}

/** The lag a pair's row shows, in seconds (NaN while unknown). */
async function lagOf(page: Page, pair: string): Promise<number> {
  const text = await page.locator('#lag tr', { hasText: pair }).locator('td').nth(1).textContent()
  return Number.parseFloat(text ?? '')
}

test("the dashboard shows nodes and regions with their health, docs and connections per node, a node going down and back, a cut link's lag rising and falling on the chart, an audit finding and a repair", async ({
  page,
}) => {
  test.setTimeout(180_000)
  const a = net.get('a')
  const [a1, a2] = a.nodes as [(typeof a.nodes)[0], (typeof a.nodes)[0]]
  await page.setViewportSize({ width: 1200, height: 900 })
  // Its first path redirects to the issue's, /admin.
  await page.goto(`${a1.httpUrl}/dashboard?token=${TOKEN}`)
  expect(new URL(page.url()).pathname).toBe('/admin')
  const node = (id: string) => page.locator('#nodes tr', { hasText: id })
  const region = (name: string) => page.locator('#regions tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${name}( |$)`) }) })
  await expect(node('a-1')).toContainText('up')
  await expect(node('a-2')).toContainText('up')
  await expect(page.locator('#health tr', { hasText: 'store' })).toContainText('ok')
  for (const r of ['a', 'b', 'c']) await expect(region(r)).toContainText('up')
  // Every ordered pair of the three regions, a's own links and those b and c report.
  await expect(page.locator('#lag tbody tr')).toHaveCount(6)
  await expect(page.locator('#lag tr', { hasText: 'c → a' })).toContainText('0.0 s')
  // The chart (uPlot) draws on a canvas, one line per pair in its legend.
  await expect(page.locator('#chart canvas')).toBeVisible()
  await expect(page.locator('#chart .legend li')).toHaveCount(6)

  // A node killed -9 shows down once its registry entry expires, and up again when it restarts.
  await a2.kill()
  await expect(node('a-2')).toContainText('down', { timeout: 15_000 })
  await a2.start()
  await expect(node('a-2')).toContainText('up', { timeout: 15_000 })

  // Docs and connections per node, live: a client on a-2 opens two docs; a-1 (this page's node) holds none.
  await expect(node('a-1')).toContainText('0 connections')
  await expect(node('a-2')).toContainText('0 connections', { timeout: 10_000 })
  const user = createClient({ url: a2.wsUrl, storage: memoryStorage(), tabs: false, online: false })
  try {
    for (const id of ['count:1', 'count:2']) user.doc(id).doc.getText('body').insert(0, id)
    await expect(node('a-2')).toContainText('1 connection', { timeout: 10_000 })
    await expect(node('a-2')).toContainText('2 docs')
    await expect(node('a-1')).toContainText('0 docs')
    await expect(node('a-1')).toContainText('0 connections')
  } finally {
    await user.close()
  }
  await expect(node('a-2')).toContainText('0 connections', { timeout: 10_000 })

  // The link between a and c cut: c is unreachable from a, and a's lag behind c rises on the chart...
  net.setLink('a', 'c', true)
  await expect(region('c')).toContainText('down', { timeout: 10_000 })
  await expect(page.locator('#lag tr', { hasText: 'c → a' })).toContainText('cut', { timeout: 10_000 })
  await expect.poll(() => lagOf(page, 'c → a'), { timeout: 20_000 }).toBeGreaterThan(4)
  // The chart's legend entry for the pair carries the line's peak and latest value (uPlot draws the line on a canvas).
  const chartPeak = async () => Number(await page.locator('#chart [data-pair="c → a"]').getAttribute('data-peak'))
  expect(await chartPeak()).toBeGreaterThan(4)
  // ... and falls back to 0 once the link heals.
  net.setLink('a', 'c', false)
  await expect.poll(() => lagOf(page, 'c → a'), { timeout: 20_000 }).toBe(0)
  await expect(region('c')).toContainText('up')
  await expect(page.locator('#chart [data-pair="c → a"]')).toHaveAttribute('data-last', '0.0')
  expect(await chartPeak()).toBeGreaterThan(4)

  // Behind the servers' backs: a delta goes missing from region a's store; the auditor reports it.
  const client = new pg.Client({ connectionString: a.db.url })
  await client.connect()
  try {
    await writeDocs(client, 3)
    await expect(page.locator('#auditor tr', { hasText: 'docs audited' })).not.toContainText(/\b0\b/)
    await client.query(`DELETE FROM weft_deltas WHERE doc = 'note:1' AND seq = 2`)
    // And a delta whose stored ranges disagree with its bytes: repairable here, from the delta itself.
    // (Not a head that forgets its dots: the regions' anti-entropy heals that before anyone could click.)
    await client.query(`UPDATE weft_deltas SET ranges = '[]' WHERE doc = 'note:2' AND seq = 3`)
  } finally {
    await client.end()
  }
  const finding = page.locator('#findings tr', { hasText: 'seq-gap' })
  await expect(finding).toContainText('note:1', { timeout: 15_000 })
  await expect(finding).toContainText('seq 2 missing from the log')
  // The button audits one doc now.
  await page.locator('#doc').fill('note:0')
  await page.getByRole('button', { name: 'Audit doc' }).click()
  await expect(page.locator('#audit-result')).toContainText('note:0: no findings')
  // The repair button heals note:2; the repair is listed with the findings, kept in the store [AUDIT-5].
  await expect(page.locator('#findings tr', { hasText: 'delta-ranges-mismatch' })).toContainText('note:2', { timeout: 15_000 })
  await page.locator('#doc').fill('note:2')
  await page.getByRole('button', { name: 'Repair doc' }).click()
  await expect(page.locator('#audit-result')).toContainText('repaired delta-ranges-mismatch (set-ranges)')
  await expect(page.locator('#recent tr', { hasText: 'repair' }).filter({ hasText: 'note:2' })).toContainText('set-ranges')
  await expect(page.locator('#findings tr', { hasText: 'delta-ranges-mismatch' })).toHaveCount(0)
  await expect(page.locator('#recent tr', { hasText: 'delta-ranges-mismatch' }).filter({ hasText: 'finding' })).toContainText('resolved')
  await page.screenshot({ path: screenshot, fullPage: true })
})
