import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { forgedDotsDelta } from '../test-support/hostile/craft.js'
import { decodeMessage, encodeMessage } from './codec.js'
import type { ProtocolMessage } from './messages/index.js'
import type { ServerEffect } from './server-effects.js'
import { SyncServer } from './sync-server.js'
import { createDocModel } from './doc-model.js'
import type { DocModel } from './sync-doc.js'

/** [BIND-1] a replica belongs to the principal that first wrote it (issue 15 item 8). Tokens are principals here. */

const LAST_COUNTER = 2 ** 53 - 2

function make(bind = true, docModel?: DocModel): SyncServer<string> {
  return new SyncServer<string>({
    authenticate: (token) => ({ ok: true as const, principal: token }),
    ...(bind && { replicaOwner: (p: string) => (p === 'anonymous' ? undefined : p) }),
    ...(docModel !== undefined && { docModel }),
  })
}

/** The production model, counting its `inspectDelta` calls (each a full decode, inflating a deflated state). */
function countingModel(): { model: DocModel; inspects: () => number } {
  const inner = createDocModel()
  let n = 0
  return {
    model: {
      create: () => inner.create(),
      load: (state) => inner.load(state),
      inspectDelta: (bytes) => {
        n++
        return inner.inspectDelta(bytes)
      },
    },
    inspects: () => n,
  }
}

function to(effects: ServerEffect[], conn: number): ProtocolMessage[] {
  return effects.flatMap((e) => ((e.type === 'send' && e.conn === conn) || (e.type === 'broadcast' && e.to.includes(conn)) ? [decodeMessage(e.frame)] : []))
}

const send = (s: SyncServer<string>, conn: number, m: ProtocolMessage) => s.receive(conn, encodeMessage(m), 0)

function join(s: SyncServer<string>, conn: number, principal: string, doc = 'd', owners: { replica: number; owner: string }[] = []): ServerEffect[] {
  s.connect(conn, 0)
  send(s, conn, { type: 'hello', token: principal, clientName: 'test' })
  const out = send(s, conn, { type: 'subscribe', doc, vv: {} })
  if (out.some((e) => e.type === 'load')) out.push(...s.loaded(doc, { deltas: [], owners }))
  return out
}

function edits(doc: Doc, n: number): Uint8Array[] {
  const out: Uint8Array[] = []
  const off = doc.on('delta', (d) => out.push(d))
  for (let i = 0; i < n; i++) doc.getText('t').insert(0, 'v')
  off()
  return out
}

const durable = (s: SyncServer<string>, out: ServerEffect[]) => out.flatMap((e) => (e.type === 'persist' ? s.persisted(e.id, e.id) : []))
const persists = (out: ServerEffect[]) => out.filter((e) => e.type === 'persist')

describe('[BIND-1] replica binding in the server state machine', () => {
  it("refuses another principal's delta adding dots to a bound replica: nothing joined, persisted, acked or fanned out", () => {
    const s = make()
    join(s, 1, 'alice')
    join(s, 2, 'mallory')
    const victim = new Doc({ replicaId: 42 })
    const [first] = edits(victim, 1)
    const w = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: first! })
    expect(persists(w)).toEqual([expect.objectContaining({ owner: 'alice', ranges: [{ replica: 42, from: 0, to: 1 }] })])
    durable(s, w)
    // The forgery, exactly as in the issue: the victim's replica, counters up to 2^53-2, starting where the server is.
    const out = send(s, 2, { type: 'delta', doc: 'd', seq: 1, delta: forgedDotsDelta(42, 1, LAST_COUNTER) })
    expect(persists(out)).toEqual([])
    expect(to(out, 2)).toEqual([expect.objectContaining({ type: 'error', code: 'replica-owned', doc: 'd' })])
    expect(to(out, 1)).toEqual([])
    expect(s.doc('d')!.versionVector()).toEqual({ 42: 1 })
    // Nothing more of this doc from that connection until it re-subscribes: no later ack can cover the refusal.
    const mine = new Doc({ replicaId: 7 })
    expect(persists(send(s, 2, { type: 'delta', doc: 'd', seq: 2, delta: edits(mine, 1)[0]! }))).toEqual([])
    // The victim goes on writing and is acked.
    const [second] = edits(victim, 1)
    const next = send(s, 1, { type: 'delta', doc: 'd', seq: 2, delta: second! })
    expect(to(durable(s, next), 1)).toContainEqual(expect.objectContaining({ type: 'ack', clientSeq: 2 }))
  })

  it('binds on first use; the same principal on another connection (a reconnect, a second device) keeps writing', () => {
    const s = make()
    join(s, 1, 'alice')
    const d = new Doc({ replicaId: 9 })
    const [a, b] = edits(d, 2)
    durable(s, send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: a! }))
    join(s, 3, 'alice')
    expect(persists(send(s, 3, { type: 'delta', doc: 'd', seq: 1, delta: b! }))).toHaveLength(1)
  })

  it("takes bindings from the store on load, and a heal carrying others' known dots is not refused", () => {
    const s = make()
    const bob = new Doc({ replicaId: 5 })
    const [bobEdit] = edits(bob, 1)
    join(s, 1, 'alice', 'd', [{ replica: 5, owner: 'bob' }])
    // alice's first write is bob's delta, relayed to her by a tab: his replica is his.
    const refused = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: bobEdit! })
    expect(to(refused, 1)).toEqual([expect.objectContaining({ code: 'replica-owned' })])
    // Bob writes it; then alice's state (bob's known dots plus a new one of hers) is accepted.
    join(s, 2, 'bob')
    durable(s, send(s, 2, { type: 'delta', doc: 'd', seq: 1, delta: bobEdit! }))
    const alice = new Doc({ replicaId: 6 })
    alice.applyDelta(bobEdit!)
    edits(alice, 1)
    join(s, 4, 'alice')
    const out = send(s, 4, { type: 'heal', doc: 'd', state: alice.encodeState() })
    expect(persists(out)).toEqual([expect.objectContaining({ owner: 'alice' })])
  })

  it('a store refusal the node did not foresee (bound on another node) tells the writer replica-owned and drops the doc for the others', () => {
    const s = make()
    join(s, 1, 'mallory')
    join(s, 2, 'bob')
    const out = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: edits(new Doc({ replicaId: 77 }), 1)[0]! })
    const [p] = persists(out)
    const failed = s.persistFailed((p as { id: number }).id, 'replica-owned')
    expect(to(failed, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'replica-owned', doc: 'd' })])
    // [FAN-1] a write that binds is not fanned out before the commit: bob never saw what the store refused.
    expect([...to(out, 2), ...to(failed, 2)]).toEqual([expect.objectContaining({ type: 'error', code: 'unavailable', doc: 'd' })])
    expect(s.doc('d')).toBeUndefined()
  })

  it('[FAN-1] a write that binds, and every later write of the doc, is fanned out at its commit, in join order', () => {
    const s = make()
    join(s, 1, 'alice')
    join(s, 2, 'bob')
    const alice = new Doc({ replicaId: 42 })
    const [first, second] = edits(alice, 2)
    const a = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: first! })
    const b = send(s, 1, { type: 'delta', doc: 'd', seq: 2, delta: second! })
    expect([...to(a, 2), ...to(b, 2)]).toEqual([])
    const [pa] = persists(a)
    const [pb] = persists(b)
    const fanned = [...s.persisted((pa as { id: number }).id, 1), ...s.persisted((pb as { id: number }).id, 2)]
    expect(to(fanned, 2).map((m) => m.type === 'delta' && m.seq)).toEqual([1, 2])
    // Bound and durable: alice's next write reaches bob before its commit.
    const [third] = edits(alice, 1)
    expect(to(send(s, 1, { type: 'delta', doc: 'd', seq: 3, delta: third! }), 2)).toEqual([{ type: 'delta', doc: 'd', seq: 0, delta: third }])
  })

  it('open mode (no owner) binds nothing: every connection is the same anonymous principal', () => {
    const s = make(false)
    join(s, 1, 'anonymous')
    join(s, 2, 'anonymous')
    const victim = new Doc({ replicaId: 42 })
    durable(s, send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: edits(victim, 1)[0]! }))
    const out = send(s, 2, { type: 'delta', doc: 'd', seq: 1, delta: forgedDotsDelta(42, 1, LAST_COUNTER) })
    expect(persists(out)).toEqual([expect.not.objectContaining({ owner: expect.anything() })])
  })

  it("[BIND-1] a token holder's deflated state is decoded as often as in open mode: one inspect (binding reuses it), one join", () => {
    const writer = new Doc({ replicaId: 31 })
    writer.getText('t').insert(0, 'x'.repeat(8_000))
    const state = writer.encodeState()
    expect(state[1]! & 2).toBe(2) // deflated: its ranges cannot be read from the header
    const inspects: Record<string, number> = {}
    for (const [mode, bind, principal] of [
      ['open', false, 'anonymous'],
      ['jwt', true, 'alice'],
    ] as const) {
      const counting = countingModel()
      const s = make(bind, counting.model)
      join(s, 1, principal)
      const out = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: state })
      expect(persists(out)).toHaveLength(1)
      expect(s.doc('d')!.versionVector()).toEqual({ 31: 8_000 })
      inspects[mode] = counting.inspects()
    }
    expect(inspects).toEqual({ open: 1, jwt: 1 })
  })
})
