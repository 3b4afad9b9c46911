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

function recv(c: ClientSession, m: ProtocolMessage): ClientEffect[] {
  return c.received(encodeMessage(m), 0)
}

function live(c: ClientSession): void {
  c.connected(0, '')
  recv(c, { type: 'welcome', peerId: 1 })
  recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
}

describe('ClientSession and causal order (issue #15)', () => {
  it('[CAUSAL-1] missing-deps makes the client re-subscribe and upload what the server lacks in one delta', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3 })
    c.open('d', doc)
    live(c)
    // A delta from another tab, which the server does not have yet, and a local edit on top of it.
    const tab = new Doc({ replicaId: 4 })
    tab.getText('t').insert(0, 'tab ')
    doc.applyDelta(tab.encodeState())
    const off = doc.on('delta', (d) => c.localDelta('d', d))
    doc.getText('t').insert(4, 'mine')
    off()
    c.persisted('d', 1)
    const again = sent(recv(c, { type: 'error', code: 'missing-deps', message: 'lacks replica 4', doc: 'd' }))
    expect(again).toEqual([{ type: 'subscribe', doc: 'd', vv: doc.versionVector() }])
    expect(c.status('d')).toBe('syncing')
    const upload = sent(recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) }))
    const delta = upload.find((m) => m.type === 'delta')
    expect(delta).toMatchObject({ type: 'delta', doc: 'd', seq: 1 })
    const server = new Doc({ replicaId: 9 })
    server.applyDelta((delta as Extract<ProtocolMessage, { type: 'delta' }>).delta)
    expect(server.toJSON()).toEqual(doc.toJSON())
    expect(server.pendingCount).toBe(0)
  })

  it('[CAUSAL-2] [SYNC-5] a causal buffer filled with deltas that never apply is dropped on resync: the doc does not stay syncing', () => {
    const c = new ClientSession(V1)
    const doc = new Doc({ replicaId: 3, maxPendingDeltas: 5 })
    c.open('d', doc)
    live(c)
    const forger = new Doc({ replicaId: 8 })
    const garbage: Uint8Array[] = []
    forger.on('delta', (d) => garbage.push(d))
    for (let i = 0; i < 8; i++) forger.getText('t').insert(0, 'g')
    // Everything after the first never applies here: the first is never delivered.
    let resubscribed = false
    for (const g of garbage.slice(1)) {
      const out = sent(recv(c, { type: 'delta', doc: 'd', seq: 1, delta: g }))
      if (out.some((m) => m.type === 'subscribe')) resubscribed = true
    }
    expect(resubscribed).toBe(true)
    recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
    expect(doc.pendingCount).toBeLessThan(5)
    // What still waits is below the bound; the next overflow drops it again. Nothing is wedged for good:
    for (const g of garbage.slice(1)) recv(c, { type: 'delta', doc: 'd', seq: 1, delta: g })
    recv(c, { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) })
    expect(doc.pendingCount).toBeLessThan(5)
  })
})
