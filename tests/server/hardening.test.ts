import { Doc, Writer, encodeMessage } from '@weft/crdt-core'
import { SqliteStore } from '@weft/server'
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { DocClient, eventually } from './helpers/doc-client.js'
import { RawClient } from './helpers/raw-client.js'
import { type ServerProcess, startServerProcess } from './helpers/server-process.js'
import { tempDb } from './helpers/temp-server.js'
import { zeroBomb } from '../../packages/crdt-core/src/test-support/hostile/craft.js'

/** Issue #15, against the real CLI process (where each was seen). */

interface Health {
  docsLoaded: number
  connections: number
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/healthz`)).json()) as Health
}

/** Resident memory of a process, from /proc (Linux). */
function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? 0) * 1024
}

/** A delta of `size` bytes that depends on a dot nobody will ever send: its author's first transaction. */
function danglingDelta(size: number): Uint8Array {
  const author = new Doc()
  const out: Uint8Array[] = []
  author.on('delta', (d) => out.push(d))
  author.getText('t').insert(0, 'a')
  author.getText('t').insert(1, 'z'.repeat(size))
  return out[1]!
}

/** A presence frame whose JSON text is `json`, built by hand: `encodeMessage` would stringify it (and overflow). */
function rawPresenceFrame(doc: string, json: string): Uint8Array {
  const head = encodeMessage({ type: 'presence', doc, peerId: 0, state: 0 })
  // The encoding ends with [flag 1][string "0"] = [1][1]['0']: replace that string.
  const w = new Writer()
  w.writeString(json)
  const tail = w.finish()
  const out = new Uint8Array(head.length - 2 + tail.length)
  out.set(head.subarray(0, head.length - 2))
  out.set(tail, head.length - 2)
  return out
}

describe('issue #15 against the real server process', () => {
  const dbs: ReturnType<typeof tempDb>[] = []
  const procs: ServerProcess[] = []
  const clients: { close(): void }[] = []
  async function start(args: string[] = []): Promise<{ proc: ServerProcess; db: string }> {
    const db = tempDb()
    dbs.push(db)
    const proc = await startServerProcess(['--db', db.path, ...args], {}, { readyTimeoutMs: 60_000 })
    procs.push(proc)
    return { proc, db: db.path }
  }
  afterEach(() => {
    for (const c of clients.splice(0)) c.close()
    for (const p of procs.splice(0)) p.child.kill('SIGKILL')
    for (const d of dbs.splice(0)) d.cleanup()
  })

  it('[ROOM-1] clients that subscribe and leave before the load finishes leave no room loaded (item 13)', async () => {
    const { proc } = await start()
    // Give the docs some content so a load is not instant.
    const writer = new DocClient('leak:0')
    await writer.connect(proc.wsUrl)
    writer.edit((d) => d.getText('t').insert(0, 'x'.repeat(20_000)))
    await writer.acked()
    writer.close()
    await eventually(async () => expect((await health(proc.url)).docsLoaded).toBe(0))
    const leavers = await Promise.all(Array.from({ length: 40 }, () => RawClient.hello(proc.wsUrl)))
    for (const [i, c] of leavers.entries()) {
      c.send({ type: 'subscribe', doc: `leak:${i % 4}`, vv: {} })
      if (i % 2 === 0) c.send({ type: 'unsubscribe', doc: `leak:${i % 4}` })
      // Half leave by unsubscribing, half by dropping the socket, both before the sync reply.
      if (i % 2 === 1) c.ws.terminate()
    }
    for (const c of leavers) c.ws.terminate()
    await eventually(async () => {
      const h = await health(proc.url)
      expect(h.connections).toBe(0)
      expect(h.docsLoaded).toBe(0)
    }, 5_000)
  })

  it('[COMPACT-1] compaction keeps working after a doc is reloaded (item 15)', async () => {
    const threshold = 20
    const { proc, db } = await start(['--compaction-threshold', String(threshold), '--compaction-keep-tail', '5'])
    const w = new DocClient('compact:1')
    await w.connect(proc.wsUrl)
    // Past the threshold once (a snapshot), then a few more that stay in the log after it.
    for (let i = 0; i < 30; i++) {
      w.edit((d) => d.getMap('m').set(`a${i}`, i))
      await w.acked()
    }
    w.close()
    proc.child.kill('SIGTERM')
    await proc.exited
    const again = await startServerProcess(
      ['--db', db, '--compaction-threshold', String(threshold), '--compaction-keep-tail', '5'],
      {},
      { readyTimeoutMs: 60_000 },
    )
    procs.push(again)
    const w2 = new DocClient('compact:1', w.doc)
    await w2.connect(again.wsUrl)
    for (let i = 0; i < 200; i++) {
      w2.edit((d) => d.getMap('m').set(`b${i}`, i))
      if (i % 20 === 19) await w2.acked()
    }
    await w2.acked()
    const store = new SqliteStore({ path: db })
    try {
      await eventually(async () => expect(await store.logLength('compact:1')).toBeLessThanOrEqual(2 * threshold), 5_000)
    } finally {
      await store.close()
    }
    w2.close()
  })

  it('[PRES-5] a presence of 20,000 nested arrays sent while the doc loads is refused; the others still get their sync (item 6)', async () => {
    const { proc } = await start()
    const writer = new DocClient('pres:1')
    await writer.connect(proc.wsUrl)
    for (let i = 0; i < 50; i++) writer.edit((d) => d.getText('t').insert(0, 'y'.repeat(2000)))
    await writer.acked()
    writer.close()
    await eventually(async () => expect((await health(proc.url)).docsLoaded).toBe(0))
    const nested = `${'['.repeat(20_000)}${']'.repeat(20_000)}`
    const hostile = await RawClient.hello(proc.wsUrl)
    const honest = await Promise.all(Array.from({ length: 5 }, () => RawClient.hello(proc.wsUrl)))
    clients.push(hostile, ...honest)
    const syncs = honest.map((c) => c.next((m) => m.type === 'sync' || m.type === 'error', 5_000))
    hostile.send({ type: 'subscribe', doc: 'pres:1', vv: {} })
    hostile.sendRaw(rawPresenceFrame('pres:1', nested))
    for (const c of honest) c.send({ type: 'subscribe', doc: 'pres:1', vv: {} })
    for (const m of await Promise.all(syncs)) expect(m.type).toBe('sync')
    await eventually(() => expect(hostile.received.find((m) => m.type === 'error')).toMatchObject({ code: 'too-large' }))
    // And when the doc is already loaded.
    const again = await RawClient.hello(proc.wsUrl)
    clients.push(again)
    const ok = again.next((m) => m.type === 'sync')
    again.send({ type: 'subscribe', doc: 'pres:1', vv: {} })
    await ok
    const err = again.next((m) => m.type === 'error')
    again.sendRaw(rawPresenceFrame('pres:1', nested))
    expect(await err).toMatchObject({ code: 'too-large' })
    expect((await fetch(`${proc.url}/healthz`)).status).toBe(200)
  })

  it('[CAUSAL-1] 1 MB dangling deltas across many docs are refused: nothing stored or fanned out, RSS bounded, honest clients converge (item 2)', async () => {
    const { proc, db } = await start()
    const docs = Array.from({ length: 10 }, (_, i) => `dangle:${i}`)
    const watchers = docs.slice(0, 4).map((id) => new DocClient(id))
    const writer = new DocClient(docs[0]!)
    clients.push(...watchers, writer)
    for (const w of [...watchers, writer]) await w.connect(proc.wsUrl)
    const baseline = rssBytes(proc.child.pid!)
    const hostile = await RawClient.hello(proc.wsUrl)
    clients.push(hostile)
    for (const doc of docs) {
      const ok = hostile.next((m) => m.type === 'sync' && m.doc === doc)
      hostile.send({ type: 'subscribe', doc, vv: {} })
      await ok
    }
    const perDoc = 12
    let refusedBefore = 0
    for (const doc of docs) {
      for (let i = 0; i < perDoc; i++) {
        // A fresh author each time: the server must not be fooled by any of them. Re-subscribe after each refusal.
        hostile.send({ type: 'delta', doc, seq: i + 1, delta: danglingDelta(900_000) })
        await eventually(() => expect(hostile.received.filter((m) => m.type === 'error').length).toBe(refusedBefore + 1), 10_000)
        refusedBefore++
        hostile.send({ type: 'subscribe', doc, vv: {} })
      }
    }
    // ~108 MB of dangling deltas sent; before [CAUSAL-1] every byte stayed in server memory.
    const errors = hostile.received.filter((m) => m.type === 'error')
    expect(errors.every((m) => m.type === 'error' && m.code === 'missing-deps')).toBe(true)
    expect(hostile.received.some((m) => m.type === 'ack')).toBe(false)
    expect(hostile.isClosed).toBe(false)
    const grown = rssBytes(proc.child.pid!) - baseline
    expect(grown, `RSS grew ${Math.round(grown / 1e6)} MB`).toBeLessThan(100e6)
    for (const w of watchers) expect(w.raw.received.some((m) => m.type === 'delta')).toBe(false)
    writer.edit((d) => d.getText('t').insert(0, 'honest'))
    await writer.acked()
    await eventually(() => expect(watchers[0]!.doc.toJSON()).toEqual({ t: 'honest' }))
    expect(watchers[0]!.doc.pendingCount).toBe(0)
    const store = new SqliteStore({ path: db })
    try {
      expect(await store.listDocs()).toEqual([docs[0]])
    } finally {
      await store.close()
    }
    expect((await health(proc.url)).connections).toBeGreaterThan(0)
  }, 180_000)

  it('[HEAL-1] a heal whose dots the server has is persisted and fanned out; a restart shows the healed value (item 9)', async () => {
    const { proc, db } = await start()
    const served = new Doc({ replicaId: 7 })
    const writer = new DocClient('heal:1', served)
    clients.push(writer)
    await writer.connect(proc.wsUrl)
    served.getText('t').insert(0, 'x')
    served.getText('t').insert(1, 'y')
    await writer.acked()
    const reader = new DocClient('heal:1')
    clients.push(reader)
    await reader.connect(proc.wsUrl)
    expect(reader.doc.toJSON()).toEqual({ t: 'xy' })
    // Same dots, other content: what a divergence looks like; the heal carries the state.
    const other = new Doc({ replicaId: 7 })
    other.getText('t').insert(0, 'x')
    other.getText('t').delete(0, 1)
    const healer = await RawClient.hello(proc.wsUrl)
    clients.push(healer)
    const ok = healer.next((m) => m.type === 'sync')
    healer.send({ type: 'subscribe', doc: 'heal:1', vv: other.versionVector() })
    await ok
    const acked = healer.next((m) => m.type === 'ack')
    healer.send({ type: 'delta', doc: 'heal:1', seq: 1, delta: other.encodeState() })
    await acked
    await eventually(() => expect(reader.doc.toJSON()).toEqual({ t: 'y' }))
    proc.child.kill('SIGTERM')
    await proc.exited
    const again = await startServerProcess(['--db', db], {}, { readyTimeoutMs: 60_000 })
    procs.push(again)
    const fresh = new DocClient('heal:1')
    clients.push(fresh)
    await fresh.connect(again.wsUrl)
    expect(fresh.doc.toJSON()).toEqual({ t: 'y' })
  }, 120_000)

  it('[LIM-2] a subscribe with a 1 MB version vector is refused too-large before it is decoded; /healthz stays fast', async () => {
    const { proc } = await start()
    const c = await RawClient.hello(proc.wsUrl)
    clients.push(c)
    const vv: Record<number, number> = {}
    for (let i = 0; i < 100_000; i++) vv[1 + i * 7919] = 1
    const err = c.next((m) => m.type === 'error', 20_000)
    c.send({ type: 'subscribe', doc: 'vv:1', vv })
    expect(await err).toMatchObject({ code: 'too-large' })
    const h = performance.now()
    expect((await fetch(`${proc.url}/healthz`)).status).toBe(200)
    expect(performance.now() - h).toBeLessThan(500)
  }, 90_000)

  it('[LIM-INFLATE-1] a deflated state claiming more than 4 x maxMessageBytes is refused too-large from its header; nothing is stored', async () => {
    const { proc } = await start(['--max-message-bytes', String(1 << 20)])
    const c = await RawClient.hello(proc.wsUrl)
    clients.push(c)
    const synced = c.next((m) => m.type === 'sync', 20_000)
    c.send({ type: 'subscribe', doc: 'bomb:1', vv: {} })
    await synced
    // ~5 MB of zeros in ~25 KB, claiming the truth: over 4 MiB, so never inflated.
    const err = c.next((m) => m.type === 'error', 20_000)
    c.send({ type: 'delta', doc: 'bomb:1', seq: 1, delta: zeroBomb(5 << 20, 5 << 20) })
    expect(await err).toMatchObject({ code: 'too-large' })
    expect(await c.closed).toBe(4413)
    const fresh = new DocClient('bomb:1')
    await fresh.connect(proc.wsUrl)
    expect(fresh.doc.versionVector()).toEqual({})
    fresh.close()
  }, 90_000)
})
