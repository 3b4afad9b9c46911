import { createClient, memoryStorage, offlineSwitch, webSocketTransport, type Client } from '@weft/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../client/helpers/until.js'
import { type ServerProcess, startServerProcess } from './helpers/server-process.js'
import { tempDb } from './helpers/temp-server.js'

// Items 10 and 11 of issue #15, against the real CLI process (default limits:
// 1 MiB frames, 8 MiB buffered per reader) with real @weft/client clients.
describe('docs and edits larger than the frame and buffer limits', () => {
  let proc: ServerProcess
  let db: ReturnType<typeof tempDb>
  const clients: Client[] = []
  beforeAll(async () => {
    db = tempDb()
    proc = await startServerProcess(['--db', db.path])
  })
  afterAll(async () => {
    for (const c of clients) await c.close()
    proc.child.kill('SIGKILL')
    await proc.exited
    db.cleanup()
  })

  function client() {
    const net = offlineSwitch(webSocketTransport(proc.wsUrl))
    const c = createClient({ transport: net.transport, storage: memoryStorage(), tabs: false, online: false, backoff: { baseMs: 20, maxMs: 200 } })
    clients.push(c)
    return { c, net }
  }

  it('[PART-1] a 1.2 MB paste and 1.2 MB of offline edits are saved (sent in parts), and a new client loads them', async () => {
    const { c: a, net } = client()
    const h = a.doc('big:paste')
    await h.ready
    await until(() => h.status.connection === 'synced', 'a synced')
    h.doc.getText('t').insert(0, 'p'.repeat(1_200_000))
    await h.whenSaved('server')
    net.setOffline(true)
    await until(() => h.status.connection === 'offline', 'a offline')
    for (let i = 0; i < 12; i++) h.doc.getText('t').insert(0, 'o'.repeat(100_000))
    net.setOffline(false)
    await h.whenSaved('server')
    expect(h.status).toMatchObject({ unsaved: 0, savedOnServer: true })
    const { c: b } = client()
    const hb = b.doc('big:paste')
    await until(() => hb.doc.getText('t').length === 2_400_000, 'b loads 2.4 MB', 20_000)
    expect(hb.doc.digest()).toBe(h.doc.digest())
  }, 40_000)

  it('[PART-2] a new subscriber loads a 9 MB doc (its sync reply streamed in parts as the socket drains)', async () => {
    const { c: a } = client()
    const h = a.doc('big:nine')
    await h.ready
    for (let i = 0; i < 9; i++) {
      // Each write alone fits in a frame: the doc grows past the 8 MiB buffer limit by acked writes.
      h.doc.getText('t').insert(0, String(i).repeat(1_000_000))
      await h.whenSaved('server')
    }
    const { c: b } = client()
    const hb = b.doc('big:nine')
    await until(() => hb.doc.getText('t').length === 9_000_000, 'b loads 9 MB', 30_000)
    await until(() => hb.status.connection === 'synced', 'b synced')
    expect(hb.doc.digest()).toBe(h.doc.digest())
  }, 60_000)
})
