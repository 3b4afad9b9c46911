import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { decodeMessage, encodeMessage } from './codec.js'
import type { ProtocolMessage } from './messages/index.js'
import type { ServerEffect } from './server-effects.js'
import { PROTOCOL_VERSION } from './protocol-version.js'
import { SyncServer } from './sync-server.js'
import type { SyncServerOptions } from './sync-server-options.js'

const open = { authenticate: () => ({ ok: true as const, principal: 'user' }) }

function make(opts: Partial<SyncServerOptions<string>> = {}): SyncServer<string> {
  return new SyncServer<string>({ ...open, ...opts })
}

/** Messages an effect list delivers to `conn` (direct sends and broadcasts). */
function to(effects: ServerEffect[], conn: number): ProtocolMessage[] {
  const out: ProtocolMessage[] = []
  for (const e of effects) {
    if (e.type === 'send' && e.conn === conn) out.push(decodeMessage(e.frame))
    if (e.type === 'broadcast' && e.to.includes(conn)) out.push(decodeMessage(e.frame))
  }
  return out
}

function types(effects: ServerEffect[], conn: number): string[] {
  return to(effects, conn).map((m) => m.type)
}

function send(s: SyncServer<string>, conn: number, m: ProtocolMessage, now = 0): ServerEffect[] {
  return s.receive(conn, encodeMessage(m), now)
}

/** Connects, says hello and subscribes; loads the doc from `stored` when asked. */
function join(s: SyncServer<string>, conn: number, doc = 'd', vv = {}, stored: Uint8Array[] = []): ServerEffect[] {
  s.connect(conn, 0)
  const out = send(s, conn, { type: 'hello', token: 't', clientName: 'test' })
  const sub = send(s, conn, { type: 'subscribe', doc, vv })
  out.push(...sub)
  if (sub.some((e) => e.type === 'load')) out.push(...s.loaded(doc, { deltas: stored.map((bytes, i) => ({ seq: i + 1, bytes })) }))
  return out
}

function edit(doc: Doc, text: string): Uint8Array {
  let delta: Uint8Array = new Uint8Array()
  const off = doc.on('delta', (d) => (delta = d))
  doc.getText('t').insert(doc.getText('t').length, text)
  off()
  return delta
}

describe('SyncServer', () => {
  it('[HELLO-1] a frame before hello is refused as unauthorized and the connection closes', () => {
    const s = make()
    s.connect(1, 0)
    const out = send(s, 1, { type: 'subscribe', doc: 'd', vv: {} })
    expect(to(out, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'unauthorized' })])
    expect(out).toContainEqual(expect.objectContaining({ type: 'close', conn: 1, code: 'unauthorized' }))
    expect(s.connectionCount).toBe(0)
  })

  it('[HELLO-2] without a sync hook the server asks the shell to authenticate, queues frames, then welcomes', () => {
    const s = new SyncServer<string>()
    s.connect(1, 0)
    const a = send(s, 1, { type: 'hello', token: 'secret', clientName: 'web' })
    expect(a).toEqual([{ type: 'authenticate', conn: 1, token: 'secret', clientName: 'web' }])
    expect(send(s, 1, { type: 'subscribe', doc: 'd', vv: {} })).toEqual([])
    const b = s.authenticated(1, { ok: true, principal: 'ann' })
    expect(types(b, 1)).toEqual(['welcome'])
    expect(b).toContainEqual({ type: 'load', doc: 'd' })
  })

  it('[HELLO-2] a rejected token closes with unauthorized', () => {
    const s = new SyncServer<string>()
    s.connect(1, 0)
    send(s, 1, { type: 'hello', token: 'bad', clientName: 'web' })
    const out = s.authenticated(1, { ok: false, reason: 'expired' })
    expect(to(out, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'unauthorized' })])
    expect(out).toContainEqual(expect.objectContaining({ type: 'close', code: 'unauthorized' }))
  })

  it('[HELLO-3] a repeated hello changes nothing', () => {
    const s = make()
    join(s, 1)
    expect(send(s, 1, { type: 'hello', token: 't', clientName: 'again' })).toEqual([])
  })

  it('[SYNC-2] an up-to-date subscriber gets an empty sync reply; a behind one gets one compact delta', () => {
    const author = new Doc({ replicaId: 10 })
    const stored = Array.from({ length: 50 }, (_, i) => edit(author, `w${i} `))
    const s = make()
    const fresh = to(join(s, 1, 'd', {}, stored), 1)
    expect(fresh.map((m) => m.type)).toEqual(['welcome', 'sync'])
    const sync = fresh[1] as Extract<ProtocolMessage, { type: 'sync' }>
    expect(sync.vv).toEqual(author.versionVector())
    const replica = new Doc({ replicaId: 11 })
    replica.applyDelta(sync.delta)
    expect(replica.toJSON()).toEqual(author.toJSON())
    const upToDate = to(join(s, 2, 'd', author.versionVector()), 2)
    expect(upToDate[1]).toEqual({ type: 'sync', doc: 'd', vv: author.versionVector(), delta: new Uint8Array(0) })
  })

  it('[ACK-1] [ACK-2] [FAN-1] a delta is persisted and fanned out at once (seq 0); the ack waits until it is durable', () => {
    const s = make()
    join(s, 1)
    join(s, 2)
    const bytes = edit(new Doc({ replicaId: 5 }), 'hi')
    const out = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: bytes })
    const persist = out.find((e) => e.type === 'persist')
    expect(persist).toMatchObject({ type: 'persist', doc: 'd', bytes, ranges: [{ replica: 5, from: 0, to: 2 }] })
    expect(types(out, 1)).toEqual([])
    expect(to(out, 2)).toEqual([{ type: 'delta', doc: 'd', seq: 0, delta: bytes }])
    const done = s.persisted((persist as { id: number }).id, 1)
    expect(to(done, 1)).toEqual([{ type: 'ack', doc: 'd', clientSeq: 1, serverSeq: 1 }])
    // Sent once: the commit brings the other subscriber nothing more.
    expect(to(done, 2)).toEqual([])
    expect(done.filter((e) => e.type === 'durable')).toEqual([{ type: 'durable', doc: 'd', serverSeq: 1, delta: bytes }])
  })

  it('[ACK-2] a delta the server already holds in memory is acked only once that memory is durable', () => {
    const s = make()
    join(s, 1)
    join(s, 2)
    const bytes = edit(new Doc({ replicaId: 5 }), 'hi')
    const first = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: bytes })
    const again = send(s, 2, { type: 'delta', doc: 'd', seq: 7, delta: bytes })
    expect(again.some((e) => e.type === 'persist')).toBe(false)
    expect(types(again, 2)).toEqual([])
    const id = (first.find((e) => e.type === 'persist') as { id: number }).id
    const done = s.persisted(id, 1)
    expect(to(done, 2)).toContainEqual({ type: 'ack', doc: 'd', clientSeq: 7, serverSeq: 1 })
  })

  it('[ACK-3] [STORE-2] [FAN-1] fan-out follows join order, batched behind a commit in flight; acks and durable effects stay in issue order when persists finish out of order', () => {
    const s = make()
    join(s, 1)
    join(s, 2)
    const author = new Doc({ replicaId: 5 })
    const fanned: ProtocolMessage[] = []
    const ids = [1, 2, 3].map((seq) => {
      const out = send(s, 1, { type: 'delta', doc: 'd', seq, delta: edit(author, `${seq}`) })
      fanned.push(...to(out, 2))
      return (out.find((e) => e.type === 'persist') as { id: number }).id
    })
    // The first goes at once; the two that came while its commit was in flight wait for a commit to complete.
    expect(fanned.map((m) => m.type === 'delta' && m.seq)).toEqual([0])
    const durableSeqs = (out: ServerEffect[]) => out.flatMap((e) => (e.type === 'durable' ? [e.serverSeq] : []))
    const third = s.persisted(ids[2]!, 3)
    expect(to(third, 1)).toEqual([])
    expect(durableSeqs(third)).toEqual([])
    expect(to(third, 2).map((m) => m.type === 'delta' && m.seq)).toEqual([0, 0])
    const received = new Doc({ replicaId: 9 })
    for (const m of [...fanned, ...to(third, 2)]) if (m.type === 'delta') received.applyDelta(m.delta)
    expect(received.toJSON()).toEqual(author.toJSON())
    const first = s.persisted(ids[0]!, 1)
    expect(to(first, 1)).toEqual([{ type: 'ack', doc: 'd', clientSeq: 1, serverSeq: 1 }])
    expect(durableSeqs(first)).toEqual([1])
    const second = s.persisted(ids[1]!, 2)
    expect(to(second, 1)).toEqual([{ type: 'ack', doc: 'd', clientSeq: 3, serverSeq: 3 }])
    expect(durableSeqs(second)).toEqual([2, 3])
    expect([...to(first, 2), ...to(second, 2)]).toEqual([])
  })

  it('[FAN-2] a durable delta is announced for other nodes, and a relayed one reaches local subscribers', () => {
    const a = make()
    const b = make()
    join(a, 1)
    join(b, 2)
    const bytes = edit(new Doc({ replicaId: 5 }), 'hi')
    const out = send(a, 1, { type: 'delta', doc: 'd', seq: 1, delta: bytes })
    const id = (out.find((e) => e.type === 'persist') as { id: number }).id
    const done = a.persisted(id, 1)
    const durable = done.find((e) => e.type === 'durable')
    expect(durable).toEqual({ type: 'durable', doc: 'd', serverSeq: 1, delta: bytes })
    const relayed = b.relayed('d', bytes, 1)
    expect(to(relayed, 2)).toEqual([{ type: 'delta', doc: 'd', seq: 1, delta: bytes }])
    expect(b.doc('d')!.versionVector()).toEqual({ 5: 2 })
    expect(b.relayed('not-loaded', bytes, 1)).toEqual([])
  })

  it('[ACK-4] a failed persist is never acked: subscribers get unavailable and the doc leaves memory', () => {
    const s = make()
    join(s, 1)
    const out = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: edit(new Doc({ replicaId: 5 }), 'x') })
    const id = (out.find((e) => e.type === 'persist') as { id: number }).id
    const failed = s.persistFailed(id)
    expect(to(failed, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'unavailable', doc: 'd' })])
    expect(s.persisted(id, 1)).toEqual([])
    expect(s.loadedDocs).toEqual([])
  })

  it('[ERR-2] [FRAME-3] a bad frame gets bad-frame and a close; a bad delta inside a good frame changes nothing', () => {
    const s = make()
    join(s, 1)
    const garbage = s.receive(1, new Uint8Array([1, 99, 1, 2]), 0)
    expect(to(garbage, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'bad-frame' })])
    expect(garbage).toContainEqual(expect.objectContaining({ type: 'close', code: 'bad-frame' }))
    join(s, 2)
    const before = JSON.stringify(s.doc('d')!.versionVector())
    const bad = send(s, 2, { type: 'delta', doc: 'd', seq: 1, delta: new Uint8Array([1, 2, 3, 4, 5]) })
    expect(types(bad, 2)).toEqual(['error'])
    expect(bad.some((e) => e.type === 'persist')).toBe(false)
    expect(JSON.stringify(s.doc('d')?.versionVector() ?? {})).toBe(before)
  })

  it('[FRAME-2] another protocol version is refused with unsupported-version', () => {
    const s = make()
    s.connect(1, 0)
    const out = s.receive(1, new Uint8Array([PROTOCOL_VERSION + 1, 1, 0, 0]), 0)
    expect(to(out, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'unsupported-version' })])
  })

  it('[RESIDENCY-3] a refusal the authorize hook can explain carries that message; others keep the generic one', () => {
    const s = make({
      authorize: (_p, doc) => !doc.startsWith('eu:'),
      explainRefusal: (_p, doc) => (doc.startsWith('eu:') ? `doc "${doc}" is pinned to regions eu-west; connect to eu-west` : undefined),
    })
    const out = join(s, 1, 'eu:ledger')
    expect(to(out, 1)[1]).toMatchObject({ code: 'forbidden', doc: 'eu:ledger', message: expect.stringMatching(/connect to eu-west/) })
    const plain = make({ authorize: () => false })
    expect(to(join(plain, 2, 'x'), 2)[1]).toMatchObject({ code: 'forbidden', message: 'this principal may not read this doc' })
  })

  it('[AUTH-1] no read access: forbidden and no byte of the doc; read-only: deltas refused and not stored', () => {
    const s = make({ authorize: (p, doc, access) => doc !== 'secret' && (access === 'read' || p === 'writer') })
    const out = join(s, 1, 'secret')
    expect(types(out, 1)).toEqual(['welcome', 'error'])
    expect(to(out, 1)[1]).toMatchObject({ code: 'forbidden', doc: 'secret' })
    join(s, 2, 'open')
    const w = send(s, 2, { type: 'delta', doc: 'open', seq: 1, delta: edit(new Doc({ replicaId: 3 }), 'x') })
    expect(to(w, 2)).toEqual([expect.objectContaining({ type: 'error', code: 'read-only', doc: 'open' })])
    expect(w.some((e) => e.type === 'persist' || e.type === 'close')).toBe(false)
  })

  it('[ERR-1] a doc frame without a subscription gets not-subscribed and the connection stays', () => {
    const s = make()
    join(s, 1)
    const out = send(s, 1, { type: 'presence', doc: 'other', peerId: 0, state: { x: 1 } })
    expect(to(out, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'not-subscribed', doc: 'other' })])
    expect(out.some((e) => e.type === 'close')).toBe(false)
  })

  it('[PRES-2] presence is stamped with the sender id and relayed to the other subscribers only', () => {
    const s = make()
    join(s, 1)
    join(s, 2)
    join(s, 3, 'elsewhere')
    const out = send(s, 1, { type: 'presence', doc: 'd', peerId: 2, state: { cursor: 4 } })
    expect(to(out, 2)).toEqual([{ type: 'presence', doc: 'd', peerId: 1, state: { cursor: 4 } }])
    expect(to(out, 1)).toEqual([])
    expect(to(out, 3)).toEqual([])
    // A late subscriber sees current presence right after its sync reply.
    expect(types(join(s, 4), 4)).toEqual(['welcome', 'sync', 'presence'])
  })

  it('[PRES-3] [PRES-4] presence expires without heartbeat and is cleared on disconnect', () => {
    const s = make({ presenceTimeoutMs: 1000 })
    join(s, 1)
    join(s, 2)
    send(s, 1, { type: 'presence', doc: 'd', peerId: 0, state: 'a' }, 0)
    send(s, 2, { type: 'presence', doc: 'd', peerId: 0, state: 'b' }, 900)
    expect(to(s.tick(1000), 2)).toEqual([{ type: 'presence', doc: 'd', peerId: 1, state: null }])
    expect(to(s.disconnect(2), 1)).toEqual([{ type: 'presence', doc: 'd', peerId: 2, state: null }])
  })

  it('[PRES-3] presence set again after all of it expired expires again, in every room that has some', () => {
    const s = make({ presenceTimeoutMs: 1000 })
    join(s, 1)
    join(s, 2)
    join(s, 3, 'e')
    join(s, 4, 'e')
    send(s, 1, { type: 'presence', doc: 'd', peerId: 0, state: 'a' }, 0)
    expect(to(s.tick(1000), 2)).toEqual([{ type: 'presence', doc: 'd', peerId: 1, state: null }])
    expect(s.tick(1500)).toEqual([])
    send(s, 1, { type: 'presence', doc: 'd', peerId: 0, state: 'b' }, 1600)
    send(s, 3, { type: 'presence', doc: 'e', peerId: 0, state: 'c' }, 1700)
    const expired = s.tick(2700)
    expect(to(expired, 2)).toEqual([{ type: 'presence', doc: 'd', peerId: 1, state: null }])
    expect(to(expired, 4)).toEqual([{ type: 'presence', doc: 'e', peerId: 3, state: null }])
  })

  it('[BEAT-2] no hello in time, or silence, closes with timeout', () => {
    const s = make({ helloTimeoutMs: 100, idleTimeoutMs: 1000 })
    s.connect(1, 0)
    expect(s.tick(100)).toContainEqual(expect.objectContaining({ type: 'close', conn: 1, code: 'timeout' }))
    join(s, 2)
    send(s, 2, { type: 'ping' }, 500)
    expect(s.tick(1400).some((e) => e.type === 'close')).toBe(false)
    expect(s.tick(1500)).toContainEqual(expect.objectContaining({ type: 'close', conn: 2, code: 'timeout' }))
  })

  it('[LIM-1] oversized frames, floods and too many docs are refused', () => {
    const s = make({ maxFrameBytes: 64, maxFramesPerSecond: 3, maxDocsPerConnection: 1 })
    join(s, 1)
    expect(s.receive(1, new Uint8Array(65), 0)).toContainEqual(expect.objectContaining({ type: 'close', code: 'too-large' }))
    join(s, 2)
    const extra = send(s, 2, { type: 'subscribe', doc: 'd2', vv: {} })
    expect(to(extra, 2)).toEqual([expect.objectContaining({ type: 'error', code: 'too-many-docs', doc: 'd2' })])
    const flood = send(s, 2, { type: 'ping' })
    expect(flood).toContainEqual(expect.objectContaining({ type: 'close', code: 'rate-limited' }))
  })

  it('[LIM-1] an option passed as undefined keeps its default limit', () => {
    const s = make({ maxFrameBytes: undefined as unknown as number })
    join(s, 1)
    expect(s.receive(1, new Uint8Array((1 << 20) + 1), 0)).toContainEqual(expect.objectContaining({ type: 'close', code: 'too-large' }))
  })

  it('[STORE-1] a restarted server rebuilds the doc from snapshot and log', () => {
    const author = new Doc({ replicaId: 9 })
    const a = edit(author, 'one ')
    const snapshot = author.encodeState()
    const b = edit(author, 'two')
    const s = make()
    s.connect(1, 0)
    send(s, 1, { type: 'hello', token: '', clientName: '' })
    send(s, 1, { type: 'subscribe', doc: 'd', vv: {} })
    const out = s.loaded('d', { snapshot: { bytes: snapshot, seq: 1 }, deltas: [{ seq: 2, bytes: b }] })
    const sync = to(out, 1)[0] as Extract<ProtocolMessage, { type: 'sync' }>
    const replica = new Doc({ replicaId: 2 })
    replica.applyDelta(sync.delta)
    expect(replica.getText('t').toString()).toBe('one two')
    expect(a.length).toBeGreaterThan(0)
  })

  it('[DIG-1] [DIG-2] [DIG-3] equal vectors with different digests: counted, reported, healed once', () => {
    const s = make()
    join(s, 1)
    const vv = s.doc('d')!.versionVector()
    const out = send(s, 1, { type: 'digest', doc: 'd', vv, hash: 'ab' })
    expect(types(out, 1)).toEqual(['digest', 'heal'])
    expect(out).toContainEqual(expect.objectContaining({ type: 'divergence', conn: 1, doc: 'd', clientHash: 'ab' }))
    expect(s.stats.divergences).toBe(1)
    expect(types(send(s, 1, { type: 'digest', doc: 'd', vv, hash: 'ab' }), 1)).toEqual(['digest'])
    expect(s.stats.heals).toBe(1)
    const ours = (to(out, 1)[0] as Extract<ProtocolMessage, { type: 'digest' }>).hash
    expect(types(send(s, 1, { type: 'digest', doc: 'd', vv, hash: ours }), 1)).toEqual(['digest'])
    expect(s.stats.divergences).toBe(2)
  })
})
