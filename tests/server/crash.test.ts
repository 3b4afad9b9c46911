import { seededRandom } from '@weft/crdt-core'
import { SqliteStore } from '@weft/server'
import { afterAll, describe, expect, it } from 'vitest'
import { DocClient, eventually } from './helpers/doc-client.js'
import { type ServerProcess, startServerProcess } from './helpers/server-process.js'
import { storedDoc } from './helpers/stored-doc.js'
import { tempDb } from './helpers/temp-server.js'

const KILLS = Number(process.env.WEFT_CRASH_KILLS ?? 20)
const SEED = Number(process.env.WEFT_SEED ?? 0xc4a5)
const DOC = 'crash:1'

/** A client that writes one new map key per edit and remembers which client seq wrote it. */
class Writer {
  readonly c: DocClient
  readonly keys: string[] = [] // index = seq - 1
  constructor(readonly name: string) {
    this.c = new DocClient(DOC)
  }
  write(): void {
    const key = `${this.name}-${this.keys.length + 1}`
    this.keys.push(key)
    this.c.edit((d) => d.getMap('m').set(key, this.keys.length))
  }
  ackedKeys(): string[] {
    return this.keys.slice(0, this.c.ackedSeq)
  }
}

describe(`crash durability: SIGKILL ${KILLS} times while clients write (seed ${SEED})`, () => {
  const db = tempDb()
  let proc: ServerProcess | undefined
  afterAll(() => {
    proc?.child.kill('SIGKILL')
    db.cleanup()
  })

  it('[ACK-2] [STORE-1] keeps every acked delta, keeps the file sound, and converges', async () => {
    const rand = seededRandom(SEED)
    const writers = [new Writer('a'), new Writer('b')]
    let totalAcked = 0
    let killsWithUnacked = 0
    for (let k = 0; k < KILLS; k++) {
      // A low compaction threshold makes kills land during snapshot writes too.
      proc = await startServerProcess(['--db', db.path, '--compaction-threshold', '40', '--compaction-keep-tail', '10'])
      await Promise.all(writers.map((w) => w.c.connect(proc!.wsUrl)))
      const timer = setInterval(() => {
        for (const w of writers) w.write()
      }, 2)
      await new Promise((r) => setTimeout(r, 20 + rand() * 150))
      proc.child.kill('SIGKILL')
      const exit = await proc.exited
      clearInterval(timer)
      if (writers.some((w) => w.keys.length > w.c.ackedSeq)) killsWithUnacked++
      expect(exit.signal).toBe('SIGKILL')
      // Every ack a client saw was sent after COMMIT, so the file must have it.
      const { doc, integrity } = await storedDoc(db.path, DOC)
      expect(integrity).toBe('ok')
      const m = doc.getMap('m')
      for (const w of writers) {
        const missing = w.ackedKeys().filter((key) => m.get(key) === undefined)
        expect(missing, `kill ${k}: acked but lost (seed ${SEED})`).toEqual([])
      }
      totalAcked = writers.reduce((n, w) => n + w.c.ackedSeq, 0)
    }
    // The kills must have hit real traffic: many acked writes, and writes in flight at kill time.
    expect(totalAcked).toBeGreaterThan(KILLS * 5)
    expect(killsWithUnacked).toBeGreaterThan(KILLS / 2)
    const check = new SqliteStore({ path: db.path })
    expect(await check.readSnapshot(DOC)).toBeDefined()
    await check.close()

    // After the last restart everyone converges and nothing is missing.
    proc = await startServerProcess(['--db', db.path])
    await Promise.all(writers.map((w) => w.c.connect(proc!.wsUrl)))
    await Promise.all(writers.map((w) => w.c.acked(w.keys.length, 10_000)))
    const fresh = new DocClient(DOC)
    await fresh.connect(proc.wsUrl)
    const m = fresh.doc.getMap('m')
    for (const w of writers) expect(w.keys.filter((key) => m.get(key) === undefined)).toEqual([])
    await eventually(() => {
      for (const w of writers) expect(w.c.doc.digest()).toBe(fresh.doc.digest())
    })
    for (const w of [...writers.map((x) => x.c), fresh]) w.close()
    proc.child.kill('SIGTERM')
    expect((await proc.exited).code).toBe(0)
  }, 120_000)
})
