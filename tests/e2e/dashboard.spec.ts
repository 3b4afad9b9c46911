import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { Doc, inspectDelta } from '@weft/crdt-core'
import pg from 'pg'
import { bundleCli } from '../cluster/harness/bundle-cli.js'
import { ClusterNode } from '../cluster/harness/cluster-node.js'
import { NatsProcess } from '../cluster/harness/nats-process.js'
import { createTempDatabase, type TempDatabase } from '../support/pg-database.js'

const TOKEN = 'dashboard-admin-token'
const screenshot = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url))

let db: TempDatabase
let nats: NatsProcess
let nodes: ClusterNode[] = []

test.beforeAll(async () => {
  test.setTimeout(180_000)
  const cli = await bundleCli()
  db = await createTempDatabase()
  nats = await NatsProcess.start()
  const prefix = `dash${randomBytes(3).toString('hex')}`
  const args = ['--store', db.url, '--bus', nats.url, '--bus-prefix', prefix, '--node-ttl-ms', '2000', '--audit-interval-ms', '200']
  nodes = ['node-a', 'node-b'].map((id) => new ClusterNode(id, args, { WEFT_ADMIN_TOKEN: TOKEN }, cli))
  for (const n of nodes) await n.start()
})

test.afterAll(async () => {
  for (const n of nodes) await n.stop()
  await nats?.stop()
  await db?.drop()
})

/** A few docs written as the server would store them (bytes verbatim, ranges from the delta). */
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
    await client.query(`INSERT INTO weft_docs (doc, head_seq, vv, pruned_vv) VALUES ($1, $2, $3, '{}')`, [
      doc,
      deltas.length,
      JSON.stringify({ [9000 + i]: vv }),
    ])
  }
}

test('the dashboard shows a node going down and coming back, and an audit finding', async ({ page }) => {
  test.setTimeout(120_000)
  const [a, b] = nodes as [ClusterNode, ClusterNode]
  await page.setViewportSize({ width: 1200, height: 760 })
  await page.goto(`${a.httpUrl}/dashboard?token=${TOKEN}`)
  const row = (id: string) => page.locator('#nodes tr', { hasText: id })
  await expect(row('node-a')).toContainText('up')
  await expect(row('node-b')).toContainText('up')
  await expect(page.locator('#health tr', { hasText: 'store' })).toContainText('ok')

  await b.kill()
  await expect(row('node-b')).toContainText('down', { timeout: 15_000 })
  await b.start()
  await expect(row('node-b')).toContainText('up', { timeout: 15_000 })

  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    await writeDocs(client, 3)
    await expect(page.locator('#auditor tr', { hasText: 'docs audited' })).not.toContainText(/\b0\b/)
    // Behind the servers' backs: a delta goes missing.
    await client.query(`DELETE FROM weft_deltas WHERE doc = 'note:1' AND seq = 2`)
  } finally {
    await client.end()
  }
  const finding = page.locator('#findings tr', { hasText: 'seq-gap' })
  await expect(finding).toContainText('note:1', { timeout: 15_000 })
  await expect(finding).toContainText('seq 2 missing from the log')
  await page.locator('#doc').fill('note:0')
  await page.getByRole('button', { name: 'Audit doc' }).click()
  await expect(page.locator('#audit-result')).toContainText('note:0: no findings')
  await page.screenshot({ path: screenshot, fullPage: true })
})
