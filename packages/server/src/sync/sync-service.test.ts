import { Doc, type ProtocolMessage, decodeMessage, encodeMessage } from '@weft/crdt-core'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createServer, type WeftServer } from '../server.js'
import { MemoryStore } from '../store/memory-store.js'
import type { AppendInput } from '../store/store.js'

/** A store whose appends fail while `failing` is set (a full disk, a lost database). */
class FlakyStore extends MemoryStore {
  failing = false
  override async append(doc: string, input: AppendInput): Promise<number> {
    if (this.failing) throw new Error('disk full')
    return super.append(doc, input)
  }
}

async function connect(url: string): Promise<{ ws: WebSocket; next: (type: ProtocolMessage['type']) => Promise<ProtocolMessage>; got: ProtocolMessage[] }> {
  const ws = new WebSocket(url)
  await new Promise((r, j) => {
    ws.once('open', r)
    ws.once('error', j)
  })
  const got: ProtocolMessage[] = []
  const waiters: { type: string; resolve: (m: ProtocolMessage) => void }[] = []
  ws.on('message', (d: Buffer) => {
    const m = decodeMessage(new Uint8Array(d))
    got.push(m)
    const w = waiters.find((x) => x.type === m.type)
    if (w) {
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve(m)
    }
  })
  return { ws, got, next: (type) => new Promise((resolve) => waiters.push({ type, resolve })) }
}

describe('SyncService (the shell around SyncServer)', () => {
  let server: WeftServer | undefined
  afterEach(async () => {
    await server?.close()
  })

  it('[ACK-4] a failed persist is never acked; the client is told unavailable and can re-upload', async () => {
    const store = new FlakyStore()
    server = await createServer({ port: 0, logLevel: 'silent', store })
    const c = await connect(server.wsUrl)
    const welcome = c.next('welcome')
    c.ws.send(encodeMessage({ type: 'hello', token: '', clientName: 't' }))
    await welcome
    let synced = c.next('sync')
    c.ws.send(encodeMessage({ type: 'subscribe', doc: 'd', vv: {} }))
    await synced

    const doc = new Doc()
    const deltas: Uint8Array[] = []
    doc.on('delta', (d) => deltas.push(d))
    doc.getMap('m').set('k', 1)
    store.failing = true
    const unavailable = c.next('error')
    c.ws.send(encodeMessage({ type: 'delta', doc: 'd', seq: 1, delta: deltas[0]! }))
    expect(await unavailable).toMatchObject({ code: 'unavailable', doc: 'd' })
    expect(c.got.some((m) => m.type === 'ack')).toBe(false)
    expect(await store.listDocs()).toEqual([])
    expect(await server.metrics.registry.getSingleMetricAsString('weft_errors_total')).toContain('code="persist-failed"} 1')

    store.failing = false
    synced = c.next('sync')
    c.ws.send(encodeMessage({ type: 'subscribe', doc: 'd', vv: {} }))
    await synced
    const ack = c.next('ack')
    c.ws.send(encodeMessage({ type: 'delta', doc: 'd', seq: 1, delta: deltas[0]! }))
    expect(await ack).toMatchObject({ type: 'ack', doc: 'd', clientSeq: 1, serverSeq: 1 })
    expect((await store.head('d')).seq).toBe(1)
    c.ws.close()
  })

  it('[ACK-2] an ack arrives only after the store resolved the append', async () => {
    const store = new MemoryStore()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const append = store.append.bind(store)
    store.append = async (doc, input) => {
      await gate
      return append(doc, input)
    }
    server = await createServer({ port: 0, logLevel: 'silent', store })
    const c = await connect(server.wsUrl)
    c.ws.send(encodeMessage({ type: 'hello', token: '', clientName: 't' }))
    const synced = c.next('sync')
    c.ws.send(encodeMessage({ type: 'subscribe', doc: 'd', vv: {} }))
    await synced
    const doc = new Doc()
    doc.on('delta', (delta) => c.ws.send(encodeMessage({ type: 'delta', doc: 'd', seq: 1, delta })))
    doc.getMap('m').set('k', 1)
    const ack = c.next('ack')
    await new Promise((r) => setTimeout(r, 100))
    expect(c.got.some((m) => m.type === 'ack')).toBe(false)
    release()
    expect(await ack).toMatchObject({ clientSeq: 1 })
    c.ws.close()
  })
})
