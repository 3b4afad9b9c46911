import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { Writer } from '../encoding/index.js'
import { decodeMessage, encodeMessage } from './codec.js'
import type { ProtocolMessage } from './messages/index.js'
import type { ServerEffect } from './server-effects.js'
import { createDocModel } from './doc-model.js'
import { SyncServer } from './sync-server.js'
import type { SyncServerOptions } from './sync-server-options.js'
import { manyEmptyContainersDelta, zeroBomb } from '../test-support/hostile/craft.js'
import { inspectDelta } from '../delta/inspect.js'
import { WeftCausalBufferFullError } from '../errors.js'
import type { DocModel, SyncDoc } from './sync-doc.js'

/** Issue #15: what a hostile or careless client must not do to the server state machine. */

function make(opts: Partial<SyncServerOptions<string>> = {}): SyncServer<string> {
  return new SyncServer<string>({ authenticate: () => ({ ok: true as const, principal: 'u' }), ...opts })
}

function to(effects: ServerEffect[], conn: number): ProtocolMessage[] {
  const out: ProtocolMessage[] = []
  for (const e of effects) {
    if (e.type === 'send' && e.conn === conn) out.push(decodeMessage(e.frame))
    if (e.type === 'broadcast' && e.to.includes(conn)) out.push(decodeMessage(e.frame))
  }
  return out
}

function send(s: SyncServer<string>, conn: number, m: ProtocolMessage): ServerEffect[] {
  return s.receive(conn, encodeMessage(m), 0)
}

function hello(s: SyncServer<string>, conn: number): void {
  s.connect(conn, 0)
  send(s, conn, { type: 'hello', token: '', clientName: 'test' })
}

/** Connected, subscribed to `doc`, loaded empty when this subscribe loaded it. */
function join(s: SyncServer<string>, conn: number, doc = 'd'): ServerEffect[] {
  hello(s, conn)
  const out = send(s, conn, { type: 'subscribe', doc, vv: {} })
  if (out.some((e) => e.type === 'load')) out.push(...s.loaded(doc, { deltas: [] }))
  return out
}

/** Deltas of successive transactions on `doc`. */
function deltas(doc: Doc, n: number, text = 'x'): Uint8Array[] {
  const out: Uint8Array[] = []
  const off = doc.on('delta', (d) => out.push(d))
  for (let i = 0; i < n; i++) doc.getText('t').insert(0, text)
  off()
  return out
}

/** Persists every `persist` effect at once (seq = persist id) and returns what that released. */
function durable(s: SyncServer<string>, out: ServerEffect[]): ServerEffect[] {
  return out.flatMap((e) => (e.type === 'persist' ? s.persisted(e.id, e.id) : []))
}

function presenceFrame(doc: string, json: string): Uint8Array {
  const head = encodeMessage({ type: 'presence', doc, peerId: 0, state: 0 })
  const w = new Writer()
  w.writeString(json)
  const tail = w.finish()
  const frame = new Uint8Array(head.length - 2 + tail.length)
  frame.set(head.subarray(0, head.length - 2))
  frame.set(tail, head.length - 2)
  return frame
}

describe('SyncServer under hostile input (issue #15)', () => {
  it('[CAUSAL-1] a delta whose dependency the server lacks is refused: not persisted, acked or fanned out', () => {
    const s = make()
    join(s, 1)
    join(s, 2)
    const [, second] = deltas(new Doc({ replicaId: 7 }), 2)
    const out = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: second! })
    expect(out.some((e) => e.type === 'persist')).toBe(false)
    expect(to(out, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'missing-deps', doc: 'd' })])
    expect(to(out, 2)).toEqual([])
    expect(out.some((e) => e.type === 'close')).toBe(false)
    expect(s.doc('d')!.pendingCount).toBe(0)
  })

  it('[LIMIT-4] a write is decoded once: joined with applyDeltaInspect, never inspected first', () => {
    const calls = { inspect: 0, apply: 0, applyInspect: 0 }
    const model = createDocModel()
    const s = make({
      docModel: {
        create: () => {
          const doc = model.create()
          const apply = doc.applyDelta.bind(doc)
          const applyInspect = doc.applyDeltaInspect.bind(doc)
          doc.applyDelta = (b, o) => {
            calls.apply++
            apply(b, o)
          }
          doc.applyDeltaInspect = (b, o) => {
            calls.applyInspect++
            return applyInspect(b, o)
          }
          return doc
        },
        load: model.load,
        inspectDelta: (b) => {
          calls.inspect++
          return model.inspectDelta(b)
        },
      },
    })
    join(s, 1)
    join(s, 2)
    const [first, second] = deltas(new Doc({ replicaId: 7 }), 2)
    const out = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: first! })
    expect(out.filter((e) => e.type === 'persist')).toHaveLength(1)
    expect(calls).toEqual({ inspect: 0, apply: 0, applyInspect: 1 })
    // A duplicate is joined once too, and not persisted again.
    expect(send(s, 1, { type: 'delta', doc: 'd', seq: 2, delta: first! }).some((e) => e.type === 'persist')).toBe(false)
    expect(send(s, 1, { type: 'delta', doc: 'd', seq: 3, delta: second! }).some((e) => e.type === 'persist')).toBe(true)
    expect(calls).toEqual({ inspect: 0, apply: 0, applyInspect: 3 })
    expect(s.doc('d')!.encodeState()).toEqual(Doc.load(s.doc('d')!.encodeState()).encodeState())
  })

  it('[CAUSAL-1] after a refusal the connection is ignored for that doc until it re-subscribes, so no ack covers the refused delta', () => {
    const s = make()
    join(s, 1)
    const author = new Doc({ replicaId: 7 })
    const [first, second, third] = deltas(author, 3)
    send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: second! })
    const ignored = send(s, 1, { type: 'delta', doc: 'd', seq: 2, delta: first! })
    expect(ignored).toEqual([])
    // Re-subscribing clears it; the compact upload then brings everything.
    const sync = send(s, 1, { type: 'subscribe', doc: 'd', vv: author.versionVector() })
    expect(to(sync, 1)[0]).toMatchObject({ type: 'sync', vv: {} })
    const upload = send(s, 1, { type: 'delta', doc: 'd', seq: 3, delta: author.encodeDeltaSince({}) })
    expect(to(durable(s, upload), 1)).toEqual([expect.objectContaining({ type: 'ack', clientSeq: 3 })])
    expect(s.doc('d')!.versionVector()).toEqual(author.versionVector())
    expect(third).toBeDefined()
  })

  it('[HEAL-1] a heal whose dots the server has but that changes its doc is persisted and fanned out', () => {
    const s = make()
    join(s, 1)
    join(s, 2)
    // The server holds replica 7's two dots as "x" then "y" inserted...
    const served = new Doc({ replicaId: 7 })
    const ds: Uint8Array[] = []
    served.on('delta', (d) => ds.push(d))
    served.getText('t').insert(0, 'x')
    served.getText('t').insert(1, 'y')
    for (const [i, d] of ds.entries()) durable(s, send(s, 1, { type: 'delta', doc: 'd', seq: i + 1, delta: d }))
    // ...a replica holds the same two dots as "x" inserted then deleted: a divergence, healed by its state.
    const other = new Doc({ replicaId: 7 })
    other.getText('t').insert(0, 'x')
    other.getText('t').delete(0, 1)
    expect(other.versionVector()).toEqual(served.versionVector())
    const out = send(s, 1, { type: 'heal', doc: 'd', state: other.encodeState() })
    expect(out.some((e) => e.type === 'persist')).toBe(true)
    expect(to(out, 2).map((m) => m.type)).toEqual(['delta'])
    const rebuilt = new Doc({ replicaId: 8 })
    for (const e of [...ds, other.encodeState()]) rebuilt.applyDelta(e)
    expect(rebuilt.digest()).toBe(s.doc('d')!.digest())
  })

  it('[HEAL-1] a heal that changes nothing is not stored again', () => {
    const s = make()
    join(s, 1)
    const author = new Doc({ replicaId: 7 })
    const [d1] = deltas(author, 1)
    durable(s, send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: d1! }))
    const out = send(s, 1, { type: 'heal', doc: 'd', state: author.encodeState() })
    expect(out.some((e) => e.type === 'persist')).toBe(false)
  })

  it('[ROOM-1] a subscriber that leaves before the load finishes leaves no room behind', () => {
    const s = make()
    hello(s, 1)
    hello(s, 2)
    const load = send(s, 1, { type: 'subscribe', doc: 'd', vv: {} })
    expect(load).toContainEqual({ type: 'load', doc: 'd' })
    send(s, 2, { type: 'subscribe', doc: 'd', vv: {} })
    send(s, 1, { type: 'unsubscribe', doc: 'd' })
    s.disconnect(2)
    const out = s.loaded('d', { deltas: [] })
    expect(out).toContainEqual({ type: 'unload', doc: 'd' })
    expect(s.loadedDocs).toEqual([])
  })

  it('[ROOM-2] [PRES-5] a 20,000-deep presence queued during a load fails its sender only; the others get their sync', () => {
    const s = make()
    hello(s, 1)
    hello(s, 2)
    send(s, 1, { type: 'subscribe', doc: 'd', vv: {} })
    s.receive(1, presenceFrame('d', `${'['.repeat(20_000)}${']'.repeat(20_000)}`), 0)
    send(s, 2, { type: 'subscribe', doc: 'd', vv: {} })
    const out = s.loaded('d', { deltas: [] })
    expect(to(out, 1).map((m) => m.type)).toEqual(['sync', 'error'])
    expect(to(out, 2).map((m) => m.type)).toEqual(['sync'])
    expect(s.loadedDocs).toEqual(['d'])
  })

  it('[PRES-5] presence deeper than maxPresenceDepth is refused too-large; a normal one is relayed', () => {
    const s = make()
    join(s, 1)
    join(s, 2)
    const deep = s.receive(1, presenceFrame('d', `${'['.repeat(40)}${']'.repeat(40)}`), 0)
    expect(to(deep, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'too-large' })])
    join(s, 3)
    const ok = send(s, 3, { type: 'presence', doc: 'd', peerId: 0, state: { cursor: [1, [2, [3]]] } })
    expect(to(ok, 2)).toEqual([{ type: 'presence', doc: 'd', peerId: 3, state: { cursor: [1, [2, [3]]] } }])
  })

  it('[LIM-INFLATE-1] a deflated state claiming more than maxInflatedBytes is refused too-large before it is inflated; within the bound it joins', () => {
    const s = make({ maxInflatedBytes: 1 << 20 })
    join(s, 1)
    // ~20 MB of zeros in ~130 KB, claiming the truth: over the bound, refused from its header (fatal, nothing joined or persisted).
    const bomb = zeroBomb(20 << 20, 20 << 20)
    const refused = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: bomb })
    expect(to(refused, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'too-large' })])
    expect(refused.some((e) => e.type === 'persist')).toBe(false)
    join(s, 2)
    expect(to(send(s, 2, { type: 'heal', doc: 'd', state: bomb }), 2)).toEqual([expect.objectContaining({ type: 'error', code: 'too-large' })])
    // An honest deflated state within the bound is joined as before.
    const a = new Doc({ replicaId: 5 })
    a.getText('t').insert(0, 'x'.repeat(200_000))
    // Large enough that encodeState deflates it itself.
    const state = a.encodeState()
    expect(state[1]! & 2).toBe(2)
    join(s, 3)
    const ok = send(s, 3, { type: 'delta', doc: 'd', seq: 1, delta: state })
    expect(to(ok, 3).filter((m) => m.type === 'error')).toEqual([])
    expect(ok.some((e) => e.type === 'persist')).toBe(true)
  })

  it('[LIM-2] a subscribe whose version vector is over the bound is refused before it is decoded', () => {
    const s = make({ maxVersionVectorEntries: 100 })
    hello(s, 1)
    const vv: Record<number, number> = {}
    for (let i = 1; i <= 101; i++) vv[i] = 1
    const out = send(s, 1, { type: 'subscribe', doc: 'd', vv })
    expect(to(out, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'too-large' })])
    expect(out.some((e) => e.type === 'load')).toBe(false)
    hello(s, 2)
    delete vv[101]
    expect(send(s, 2, { type: 'subscribe', doc: 'd', vv })).toContainEqual({ type: 'load', doc: 'd' })
  })

  it('[LIMIT-EMPTY-1] a write of 30k empty container sections is stored and relayed as its header: later loads and subscribers never decode them again', () => {
    const s = make()
    join(s, 1)
    join(s, 2)
    const junk = manyEmptyContainersDelta(30_000)
    expect(junk.length).toBeGreaterThan(100_000)
    const out = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: junk })
    const persist = out.find((e) => e.type === 'persist')
    if (persist?.type !== 'persist') throw new Error('not persisted')
    // Same dots, no sections: what the doc joined.
    expect(persist.bytes.length).toBeLessThan(32)
    expect(inspectDelta(persist.bytes).ranges).toEqual(inspectDelta(junk).ranges)
    expect(persist.ranges).toEqual(inspectDelta(junk).ranges)
    expect(to(out, 2)).toEqual([expect.objectContaining({ type: 'delta', delta: persist.bytes })])
    // A doc rebuilt from what was stored equals the server's.
    const reloaded = new Doc()
    reloaded.applyDelta(persist.bytes)
    expect(reloaded.versionVector()).toEqual(s.doc('d')!.versionVector())
    expect(reloaded.digest()).toBe(s.doc('d')!.digest())
  })

  it('[LIMIT-EMPTY-1] an honest write is stored as sent (nothing dropped, nothing re-encoded)', () => {
    const s = make()
    join(s, 1)
    const [delta] = deltas(new Doc(), 1)
    const persist = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: delta! }).find((e) => e.type === 'persist')
    expect(persist?.type === 'persist' && persist.bytes).toEqual(delta)
  })

  it('[SYNC-5] a delta that finds the causal buffer full is refused with internal and the connection closes: nothing applied, persisted, acked or fanned out; its re-upload after reconnecting is taken', () => {
    // Only a doc without the one-decode path can fill its buffer here (a real Doc's missing
    // dependencies are refused first, [CAUSAL-1]): a stand-in whose buffer is full on demand.
    let full = true
    const model: DocModel<SyncDoc> = {
      create: () => standIn(new Doc({ replicaId: 99 })),
      load: (state) => standIn(Doc.load(state, { replicaId: 99 })),
      inspectDelta: (bytes) => inspectDelta(bytes),
    }
    function standIn(doc: Doc): SyncDoc {
      return {
        applyDelta: (bytes, origin) => {
          if (full) throw new WeftCausalBufferFullError(1000, 1 << 20)
          doc.applyDelta(bytes, origin)
        },
        versionVector: () => doc.versionVector(),
        encodeDeltaSince: (vv) => doc.encodeDeltaSince(vv),
        encodeState: () => doc.encodeState(),
        digest: () => doc.digest(),
        get pendingCount() {
          return doc.pendingCount
        },
      }
    }
    const s = make({ docModel: model })
    join(s, 1)
    join(s, 2)
    const [delta] = deltas(new Doc({ replicaId: 7 }), 1)
    const out = send(s, 1, { type: 'delta', doc: 'd', seq: 1, delta: delta! })
    expect(to(out, 1)).toEqual([expect.objectContaining({ type: 'error', code: 'internal' })])
    expect(out).toContainEqual(expect.objectContaining({ type: 'close', conn: 1, code: 'internal' }))
    expect(out.some((e) => e.type === 'persist')).toBe(false)
    expect(to(out, 2)).toEqual([])
    // The writer reconnects and uploads again; the buffer has room now.
    full = false
    join(s, 3)
    const again = send(s, 3, { type: 'delta', doc: 'd', seq: 1, delta: delta! })
    expect(again.some((e) => e.type === 'persist')).toBe(true)
    expect(to([...again, ...durable(s, again)], 3)).toContainEqual(expect.objectContaining({ type: 'ack', doc: 'd', clientSeq: 1 }))
  })
})
