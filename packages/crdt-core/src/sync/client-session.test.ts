import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import type { ClientEffect } from './client-effects.js'
import { ClientSession } from './client-session.js'
import { decodeMessage, encodeMessage } from './codec.js'
import type { ProtocolMessage } from './messages/index.js'

/** These tests read the session's frames without a peer's connection tables: protocol 1 ([WIRE-1] has its own tests). */
const V1 = { protocolVersion: 1 } as const

function sent(effects: ClientEffect[]): ProtocolMessage[] {
  return effects.flatMap((e) => (e.type === 'send' ? [decodeMessage(e.frame)] : []))
}

function recv(c: ClientSession, m: ProtocolMessage, now = 0): ClientEffect[] {
  return c.received(encodeMessage(m), now)
}

/** A session with `doc` open, connected and welcomed; returns what it sent. */
function online(c: ClientSession): ProtocolMessage[] {
  const out = sent(c.connected(0, 'tok'))
  out.push(...sent(recv(c, { type: 'welcome', peerId: 1 })))
  return out
}

/** Makes a local edit, feeding its delta to the session; returns the effects. */
function type(c: ClientSession, doc: Doc, text: string): ClientEffect[] {
  let effects: ClientEffect[] = []
  const off = doc.on('delta', (d) => (effects = c.localDelta('d', d)))
  doc.getText('t').insert(doc.getText('t').length, text)
  off()
  return effects
}

describe('ClientSession', () => {
  it('[HELLO-1] [SYNC-1] says hello, then subscribes every open doc with its version vector', () => {
    const c = new ClientSession({ ...V1, clientName: 'web' })
    const doc = new Doc({ replicaId: 3 })
    doc.getText('t').insert(0, 'x')
    c.open('d', doc)
    expect(online(c)).toEqual([
      { type: 'hello', token: 'tok', clientName: 'web' },
      { type: 'subscribe', doc: 'd', vv: { 3: 1 } },
    ])
  })

  it('[OUT-1] [OUT-2] a local delta is persisted first and sent only once persisted and live', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    online(c)
    recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
    const effects = type(c, doc, 'hi')
    expect(effects).toContainEqual(expect.objectContaining({ type: 'persist-local', doc: 'd', seq: 1 }))
    expect(sent(effects)).toEqual([])
    expect(c.positions('d')).toEqual({ local: 0, server: 0 })
    const out = sent(c.persisted('d', 1))
    expect(out).toEqual([{ type: 'delta', doc: 'd', seq: 1, delta: expect.any(Uint8Array) }])
    expect(c.positions('d')).toEqual({ local: 1, server: 0 })
  })

  it('[ACK-3] [DUR-2] acks are cumulative, drop the outbox, and ignore seqs never sent', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    online(c)
    recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
    for (const s of ['a', 'b', 'c']) type(c, doc, s)
    c.persisted('d', 2)
    expect(c.unacked('d')).toBe(3)
    expect(recv(c, { type: 'ack', doc: 'd', clientSeq: 3, serverSeq: 9 })).toContainEqual({ type: 'acked', doc: 'd', seq: 2, serverSeq: 9 })
    expect(c.unacked('d')).toBe(1)
    expect(c.positions('d')).toEqual({ local: 2, server: 2 })
  })

  it('[OUT-3] [SYNC-3] after a reconnect, 200 offline edits go up as ONE compact delta', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    for (let i = 0; i < 200; i++) type(c, doc, `w${i}`)
    c.persisted('d', 200)
    online(c)
    const up = sent(recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) }))
    const deltas = up.filter((m) => m.type === 'delta')
    expect(deltas).toHaveLength(1)
    const server = new Doc({ replicaId: 4 })
    server.applyDelta((deltas[0] as { delta: Uint8Array }).delta)
    expect(server.toJSON()).toEqual(doc.toJSON())
    expect(deltas[0]).toMatchObject({ seq: 200 })
  })

  it('[OUT-3] an up-to-date client with nothing unacked uploads nothing', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    online(c)
    const out = sent(recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) }))
    expect(out.map((m) => m.type)).toEqual(['digest'])
  })

  it('[OUT-5] the compact upload waits until every local delta is persisted', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    type(c, doc, 'a')
    type(c, doc, 'b')
    c.persisted('d', 1)
    online(c)
    expect(sent(recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })).filter((m) => m.type === 'delta')).toEqual([])
    expect(c.status('d')).toBe('syncing')
    expect(sent(c.persisted('d', 2))).toEqual([{ type: 'delta', doc: 'd', seq: 2, delta: expect.any(Uint8Array) }])
  })

  it('[OUT-4] a restored outbox is joined into the doc and uploaded after a restart', () => {
    const old = new Doc({ replicaId: 3 })
    let bytes: Uint8Array = new Uint8Array()
    old.on('delta', (d) => (bytes = d))
    old.getText('t').insert(0, 'saved')
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 5 })
    c.open('d', doc, { lastSeq: 4, ackedSeq: 3, outbox: [{ seq: 4, bytes }] })
    expect(doc.getText('t').toString()).toBe('saved')
    online(c)
    const up = sent(recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) }))
    expect(up[0]).toMatchObject({ type: 'delta', seq: 4 })
  })

  it('[SYNC-4] remote deltas are joined and offered for local persistence; duplicates are harmless', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    online(c)
    recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
    const other = new Doc({ replicaId: 8 })
    let bytes: Uint8Array = new Uint8Array()
    other.on('delta', (d) => (bytes = d))
    other.getText('t').insert(0, 'yo')
    expect(recv(c, { type: 'delta', doc: 'd', seq: 1, delta: bytes })).toContainEqual({ type: 'persist-remote', doc: 'd', bytes })
    recv(c, { type: 'delta', doc: 'd', seq: 1, delta: bytes })
    expect(doc.getText('t').toString()).toBe('yo')
  })

  it('[DIG-2] [DIG-3] a divergent server digest is counted, reported and healed with the full state once', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    online(c)
    recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
    const out = recv(c, { type: 'digest', doc: 'd', vv: {}, hash: 'beef' })
    expect(out).toContainEqual(expect.objectContaining({ type: 'divergence', doc: 'd', remoteHash: 'beef' }))
    expect(sent(out)).toEqual([{ type: 'heal', doc: 'd', state: expect.any(Uint8Array) }])
    expect(sent(recv(c, { type: 'digest', doc: 'd', vv: {}, hash: 'beef' }))).toEqual([])
    expect(c.stats).toEqual({ divergences: 2, heals: 1 })
    expect(sent(recv(c, { type: 'digest', doc: 'd', vv: { 9: 1 }, hash: 'beef' }))).toEqual([])
  })

  it('[DIG-4] a server digest lacking dots we hold makes us upload exactly what it lacks', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    online(c)
    recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
    // Another tab's edit, joined here without passing through this session's outbox.
    const other = new Doc({ replicaId: 4 })
    other.getText('t').insert(0, 'from a tab that closed')
    doc.applyDelta(other.encodeDeltaSince({}))
    const out = sent(recv(c, { type: 'digest', doc: 'd', vv: {}, hash: 'ab' }))
    expect(out).toEqual([{ type: 'delta', doc: 'd', seq: 0, delta: expect.any(Uint8Array) }])
    const server = new Doc({ replicaId: 9 })
    server.applyDelta((out[0] as { delta: Uint8Array }).delta)
    expect(server.getText('t').toString()).toBe('from a tab that closed')
    expect(c.stats.divergences).toBe(0)
    // A digest that covers ours (equal, or the server ahead) sends nothing of the kind.
    expect(sent(recv(c, { type: 'digest', doc: 'd', vv: { 4: 22, 9: 1 }, hash: 'cd' }))).toEqual([])
  })

  it('[PRES-1] [PRES-3] [PRES-4] presence is sent when live, refreshed on tick, and others clear on disconnect', () => {
    const c = new ClientSession({ ...V1, presenceHeartbeatMs: 100 })
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    c.setPresence('d', { cursor: 1 })
    online(c)
    const live = sent(recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) }))
    expect(live).toContainEqual({ type: 'presence', doc: 'd', peerId: 0, state: { cursor: 1 } })
    expect(sent(c.tick(150))).toContainEqual({ type: 'presence', doc: 'd', peerId: 0, state: { cursor: 1 } })
    recv(c, { type: 'presence', doc: 'd', peerId: 7, state: 'hi' })
    expect(c.others('d').get(7)).toBe('hi')
    expect(c.disconnected()).toContainEqual({ type: 'presence', doc: 'd', peerId: 7, state: null })
    expect(c.others('d').size).toBe(0)
  })

  it('[BEAT-1] [BEAT-2] pings when idle and closes when the server is silent', () => {
    const c = new ClientSession({ ...V1, heartbeatMs: 100, timeoutMs: 300 })
    c.open('d', new Doc({ replicaId: 3 }))
    online(c)
    expect(sent(c.tick(100))).toContainEqual({ type: 'ping' })
    expect(c.tick(300)).toContainEqual({ type: 'close', reason: 'timeout' })
  })

  it('[ERR-1] [ERR-3] doc refusals are reported per doc; a bad frame from the server closes', () => {
    const c = new ClientSession(V1)
    c.open('d', new Doc({ replicaId: 3 }))
    online(c)
    const out = recv(c, { type: 'error', code: 'forbidden', message: 'no', doc: 'd' })
    expect(out).toContainEqual(expect.objectContaining({ type: 'error' }))
    expect(c.status('d')).toBe('offline')
    const bad = c.received(new Uint8Array([1, 200]), 0)
    expect(sent(bad)).toEqual([expect.objectContaining({ type: 'error', code: 'bad-frame' })])
    expect(bad).toContainEqual({ type: 'close', reason: 'bad-frame' })
  })

  it('[ACK-4] a doc refused `unavailable` keeps its outbox and re-subscribes after retryMs times a random factor in [0.5, 1.5)', () => {
    const subscribesAt = (r: number): number => {
      const c = new ClientSession({ ...V1, retryMs: 1000, timeoutMs: 1e9, random: () => r })
      const doc = new Doc({ replicaId: 3 })
      c.open('d', doc)
      online(c)
      recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
      type(c, doc, 'hi')
      sent(c.persisted('d', 1))
      const refused = recv(c, { type: 'error', code: 'unavailable', message: 'store failed', doc: 'd' }, 100)
      expect(refused).toContainEqual({ type: 'error', error: expect.objectContaining({ code: 'unavailable', doc: 'd' }) })
      expect(c.positions('d')).toEqual({ local: 1, server: 0 })
      for (let now = 100; now <= 3000; now += 10) {
        const out = sent(c.tick(now))
        if (out.some((m) => m.type === 'subscribe')) {
          // Once the sync reply comes, the unacked delta goes again.
          const again = sent(recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) }, now))
          expect(again).toEqual([{ type: 'delta', doc: 'd', seq: 1, delta: expect.any(Uint8Array) }])
          return now
        }
      }
      throw new Error('never re-subscribed')
    }
    expect(subscribesAt(0)).toBe(600)
    expect(subscribesAt(0.5)).toBe(1100)
    expect(subscribesAt(0.999)).toBe(1600)
  })
})
