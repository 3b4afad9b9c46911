import { SqliteStore } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { DocClient, eventually } from './helpers/doc-client.js'
import { type ServerProcess, startServerProcess } from './helpers/server-process.js'
import { tempDb } from './helpers/temp-server.js'

/**
 * Issue 15 item 7 against the real CLI process: U+FEFF at the start of a
 * string was dropped as a byte-order mark, so a paste beginning with it was
 * refused `bad-frame`, text that became U+FEFF-first after a delete was
 * acked and then undecodable, and after compaction and a restart the doc
 * could not be loaded. [FRAME-6]: a leading U+FEFF is content.
 */
const BOM = '\uFEFF'
const DOC = `${BOM}note:bom`
const THRESHOLD = 5
const ARGS = ['--compaction-threshold', String(THRESHOLD), '--compaction-keep-tail', '1']

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function server(db: string): Promise<ServerProcess> {
  const proc = await startServerProcess(['--db', db, ...ARGS], {}, { readyTimeoutMs: 60_000 })
  cleanup.push(() => proc.child.kill('SIGKILL'))
  return proc
}

async function reader(p: ServerProcess): Promise<DocClient> {
  const c = new DocClient(DOC)
  await c.connect(p.wsUrl)
  cleanup.push(() => c.close())
  return c
}

describe('[FRAME-6] a leading U+FEFF is content through the real server process (issue 15 item 7)', () => {
  it('[FRAME-6] a U+FEFF-first paste, text, map key, root name and doc id are acked, read by a fresh subscriber, and load after compaction and a restart', async () => {
    const db = tempDb()
    cleanup.push(() => db.cleanup())
    const p = await server(db.path)
    const w = new DocClient(DOC)
    await w.connect(p.wsUrl)
    cleanup.push(() => w.close())
    // A paste that begins with U+FEFF (refused bad-frame before the fix: the server read one character less).
    w.edit((d) => d.getText('paste').insert(0, `${BOM}pasted`))
    await w.acked()
    // Text that becomes U+FEFF-first only after a delete.
    w.edit((d) => d.getText('t').insert(0, `x${BOM}hello`))
    w.edit((d) => d.getText('t').delete(0, 1))
    w.edit((d) => d.getMap(`${BOM}root`).set(`${BOM}key`, `${BOM}value`))
    w.edit((d) => d.getList('l').push(`${BOM}item`))
    await w.acked()
    const expected = w.doc.toJSON()
    expect(expected).toEqual({
      paste: `${BOM}pasted`,
      t: `${BOM}hello`,
      [`${BOM}root`]: { [`${BOM}key`]: `${BOM}value` },
      l: [`${BOM}item`],
    })

    // A fresh subscriber decodes the doc from its log.
    expect((await reader(p)).doc.toJSON()).toEqual(expected)

    // Past the threshold: the log is folded into a snapshot.
    for (let i = 0; i < 2 * THRESHOLD; i++) w.edit((d) => d.getText('t').insert(0, `${BOM}`))
    await w.acked()
    const store = new SqliteStore({ path: db.path })
    try {
      await eventually(async () => expect((await store.load(DOC)).snapshot).toBeDefined(), 10_000)
    } finally {
      await store.close()
    }
    const compacted = w.doc.toJSON()
    expect((compacted as { t: string }).t).toBe(`${BOM.repeat(2 * THRESHOLD + 1)}hello`)

    // A restart loads the doc from that snapshot: every acked write is reachable, under the same doc id.
    w.close()
    p.child.kill('SIGTERM')
    await p.exited
    const again = await server(db.path)
    const after = await reader(again)
    expect(after.doc.toJSON()).toEqual(compacted)
    expect(after.doc.digest()).toBe(w.doc.digest())
  }, 120_000)
})
