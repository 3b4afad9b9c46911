import { createClient, memoryStorage, webSocketTransport } from '@weft/client'
import { Doc, seededRandom } from '@weft/crdt-core'
import { SqliteStore } from '@weft/server'
import { describe, expect, it } from 'vitest'
import { freePort } from '../support/free-port.js'
import { DocClient, eventually } from './helpers/doc-client.js'
import { processSuite } from './helpers/process-suite.js'

const KILLS = Number(process.env.WEFT_CRASH_KILLS ?? 12)
/** Kills go on (up to this many) until one landed between a fan-out and its commit. */
const MAX_KILLS = 5 * KILLS
const SEED = Number(process.env.WEFT_SEED ?? 0xfa17)
const DOC = 'fanout:1'

/** The keys of map `m` the durable store holds: snapshot plus log, read with the server stopped. */
async function storedKeys(path: string): Promise<Set<string>> {
  const store = new SqliteStore({ path })
  try {
    const { snapshot, deltas } = await store.load(DOC)
    const doc = snapshot ? Doc.load(snapshot.bytes) : new Doc()
    for (const d of deltas) doc.applyDelta(d.bytes)
    return new Set(Object.keys(doc.getMap('m').toJSON()))
  } finally {
    await store.close()
  }
}

// [FAN-1] collaborators get a delta before the server's commit. A kill -9 in between loses it from the
// server only: here its writer is gone for good (a fresh replica every round, never reconnected), so the
// one copy left is the reader's, and the reader (the production client) must bring it back.
describe(`fan-out before the commit: SIGKILL ${KILLS}+ times with the writer gone (seed ${SEED})`, () => {
  const { db, clients, start } = processSuite()

  it('[FAN-1] [CAUSAL-1] [OUT-3] an edit a collaborator saw survives the loss of the server and of its writer', async () => {
    const rand = seededRandom(SEED)
    const port = await freePort()
    const args = ['--db', db.path, '--port', String(port)]
    const client = createClient({
      transport: webSocketTransport(`ws://127.0.0.1:${port}`),
      storage: memoryStorage(),
      tabs: false,
      backoff: { baseMs: 20, maxMs: 200 },
    })
    clients.push(client)
    const reader = client.doc(DOC)
    const seenKeys = () => Object.keys(reader.doc.getMap('m').toJSON())
    let seenBeforeCommit = 0
    let kills = 0
    for (let k = 0; k < KILLS || (seenBeforeCommit === 0 && k < MAX_KILLS); k++) {
      kills++
      const proc = await start(args)
      const writer = new DocClient(DOC)
      await writer.connect(proc.wsUrl)
      let n = 0
      const timer = setInterval(() => writer.edit((d) => d.getMap('m').set(`r${k}-${++n}`, n)), 1)
      await new Promise((r) => setTimeout(r, 30 + rand() * 150))
      proc.child.kill('SIGKILL')
      await proc.exited
      clearInterval(timer)
      writer.close()
      // What the reader had when the server died, against what the server had made durable.
      const stored = await storedKeys(db.path)
      seenBeforeCommit += seenKeys().filter((key) => !stored.has(key)).length
    }
    // The kills must have landed between a fan-out and its commit.
    expect(seenBeforeCommit, `seed ${SEED}`).toBeGreaterThan(0)

    // The reader reconnects and uploads what the server lacks; then a clean stop, and the store has it all.
    const proc = await start(args)
    const seen = seenKeys()
    await eventually(async () => {
      const probe = new DocClient(DOC)
      await probe.connect(proc.wsUrl)
      probe.close()
      const m = probe.doc.getMap('m')
      expect(seen.filter((key) => m.get(key) === undefined)).toEqual([])
    }, 15_000)
    proc.child.kill('SIGTERM')
    expect((await proc.exited).code).toBe(0)
    const stored = await storedKeys(db.path)
    expect(
      seen.filter((key) => !stored.has(key)),
      `seen by the reader, lost (seed ${SEED})`,
    ).toEqual([])
    console.log(`fan-out before commit, seed ${SEED}: ${seenBeforeCommit} edits seen before their commit at ${kills} kills; all ${seen.length} seen are stored`)
  }, 120_000)
})
