import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { forgedDotsDelta } from '../test-support/hostile/craft.js'
import type { ClientEffect } from './client-effects.js'
import { ClientSession } from './client-session.js'
import { decodeMessage, encodeMessage } from './codec.js'
import type { ProtocolMessage } from './messages/index.js'

/** These tests read the session's frames without a peer's connection tables: protocol 1 ([WIRE-1] has its own tests). */
const V1 = { protocolVersion: 1 } as const

/** [BIND-2] a client never reports saved what the server refused or what another replica forged under its id (issue 15 item 8). */

const LAST_COUNTER = 2 ** 53 - 2
const sent = (effects: ClientEffect[]) => effects.flatMap((e) => (e.type === 'send' ? [decodeMessage(e.frame)] : []))
const errors = (effects: ClientEffect[]) => effects.flatMap((e) => (e.type === 'error' ? [e.error] : []))
const recv = (c: ClientSession, m: ProtocolMessage) => c.received(encodeMessage(m), 0)

/** Open, online, synced, with `n` edits persisted and sent. */
function writer(n: number): { c: ClientSession; doc: Doc } {
  const c = new ClientSession(V1)
  const doc = new Doc({ replicaId: 42 })
  c.open('d', doc)
  c.connected(0, 'tok')
  recv(c, { type: 'welcome', peerId: 1 })
  recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
  const off = doc.on('delta', (d) => c.localDelta('d', d))
  for (let i = 0; i < n; i++) doc.getText('t').insert(0, 'v')
  off()
  c.persisted('d', n)
  return { c, doc }
}

describe('[BIND-2] the client side of replica binding', () => {
  it('a live delta carrying dots of its own replica it never made is not joined; acks are ignored from then on', () => {
    const { c, doc } = writer(2)
    const out = recv(c, { type: 'delta', doc: 'd', seq: 5, delta: forgedDotsDelta(42, 2, LAST_COUNTER) })
    expect(errors(out)).toEqual([expect.objectContaining({ code: 'replica-owned', doc: 'd' })])
    expect(sent(out)).toEqual([{ type: 'unsubscribe', doc: 'd' }])
    expect(doc.versionVector()).toEqual({ 42: 2 })
    // The server thinks it has these dots and acks: the outbox stays, nothing is saved.
    recv(c, { type: 'ack', doc: 'd', clientSeq: 2, serverSeq: 9 })
    expect(c.unacked('d')).toBe(2)
    expect(c.positions('d').server).toBe(0)
    expect(c.status('d')).toBe('offline')
    // Not re-subscribed after a reconnect either: the replica cannot be saved.
    c.disconnected()
    c.connected(0, 'tok')
    expect(sent(recv(c, { type: 'welcome', peerId: 2 }))).toEqual([])
  })

  it('a sync reply whose version vector claims more of its replica than it made is refused before anything is joined or uploaded', () => {
    const { c, doc } = writer(1)
    c.disconnected()
    const off = doc.on('delta', (d) => c.localDelta('d', d))
    doc.getText('t').insert(0, 'offline edit')
    off()
    c.persisted('d', 2)
    c.connected(0, 'tok')
    recv(c, { type: 'welcome', peerId: 2 })
    const before = doc.versionVector()
    // Offline meanwhile, the attacker's forgery made the server's vv cover these edits: the compact upload would find nothing missing.
    const out = recv(c, { type: 'sync', doc: 'd', vv: { 42: LAST_COUNTER }, delta: forgedDotsDelta(42, 1, LAST_COUNTER) })
    expect(errors(out)).toEqual([expect.objectContaining({ code: 'replica-owned' })])
    expect(sent(out).filter((m) => m.type === 'delta')).toEqual([])
    expect(doc.versionVector()).toEqual(before)
    expect(c.unacked('d')).toBe(2)
  })

  it("the server's replica-owned refusal keeps the outbox and stops the doc", () => {
    const { c } = writer(1)
    const out = recv(c, { type: 'error', code: 'replica-owned', message: 'replica 42 is bound to another principal', doc: 'd' })
    expect(errors(out)).toEqual([expect.objectContaining({ code: 'replica-owned' })])
    recv(c, { type: 'ack', doc: 'd', clientSeq: 1, serverSeq: 1 })
    expect(c.unacked('d')).toBe(1)
  })

  it('dots of other replicas, and its own already made, are joined as ever', () => {
    const { c, doc } = writer(1)
    const other = new Doc({ replicaId: 7 })
    let bytes: Uint8Array | undefined
    other.on('delta', (d) => (bytes = d))
    other.getText('t').insert(0, 'o')
    expect(errors(recv(c, { type: 'delta', doc: 'd', seq: 2, delta: bytes! }))).toEqual([])
    expect(errors(recv(c, { type: 'delta', doc: 'd', seq: 3, delta: doc.encodeDeltaSince({}) }))).toEqual([])
    expect(doc.versionVector()).toEqual({ 42: 1, 7: 1 })
  })
})
