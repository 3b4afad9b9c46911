import { createClient, memoryStorage, webSocketTransport } from '@weft/client'
import { describe, expect, it } from 'vitest'
import { until } from '../client/helpers/until.js'
import { processSuite } from './helpers/process-suite.js'

// A doc grows by acked writes with no bound of its own. Once it was compacted past the default bound
// on an inflated state (64 MiB), the real server could not load its snapshot after a restart: every
// acked write in it was unreachable ("the doc could not be loaded").
describe('a doc larger than the default inflate bound', () => {
  const { db, clients, start } = processSuite()
  const client = (wsUrl: string) => {
    const c = createClient({ transport: webSocketTransport(wsUrl), storage: memoryStorage(), tabs: false, backoff: { baseMs: 20, maxMs: 200 } })
    clients.push(c)
    return c
  }

  it('[LIMIT-2] 80 MB of acked text survives compaction and a restart, and a new client loads it', async () => {
    const args = ['--db', db.path, '--compaction-threshold', '2']
    let proc = await start(args, { WEFT_LOG_LEVEL: 'debug' })
    const a = client(proc.wsUrl).doc('huge')
    await a.ready
    // Each write is one message sent in parts ([PART-1]), under the 16 MiB message limit.
    const piece = 'abcdefghij'.repeat(1_000_000)
    for (let i = 0; i < 8; i++) {
      a.doc.getText('t').insert(0, piece)
      await a.whenSaved('server')
    }
    const digest = a.doc.digest()
    // Compaction runs after the acks: wait until the log was folded into a snapshot past 64 MiB (7 writes).
    const compactedThrough = () => Math.max(0, ...proc.logs.filter((l) => l.includes('"msg":"compacted"')).map((l) => (JSON.parse(l) as { seq: number }).seq))
    await until(() => compactedThrough() >= 7, 'a snapshot of 70 MB or more', 60_000)
    proc.child.kill('SIGKILL')
    await proc.exited
    proc = await start(args)
    const b = client(proc.wsUrl).doc('huge')
    await until(() => b.doc.getText('t').length === 80_000_000, 'b loads 80 MB', 60_000)
    expect(b.doc.digest()).toBe(digest)
  }, 180_000)
})
