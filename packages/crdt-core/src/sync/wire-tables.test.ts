import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { Writer } from '../encoding/index.js'
import { seededRandom } from '../seeded-random.js'
import type { ClientEffect } from './client-effects.js'
import { ClientSession } from './client-session.js'
import { decodeMessage, encodeMessage } from './codec.js'
import type { ProtocolMessage } from './messages/index.js'
import type { ServerEffect } from './server-effects.js'
import { SyncServer } from './sync-server.js'
import { WIRE_MAX_REPLICAS, WIRE_SCAN_LIMIT, WireTables } from './wire-tables.js'
import { BroadcastFrames } from './broadcast-frames.js'

/** The delta of one keystroke typed at the end of `doc`'s text. */
function keystroke(doc: Doc, ch = 'x'): Uint8Array {
  let out: Uint8Array | undefined
  const off = doc.on('delta', (d) => (out = d))
  doc.getText('t').insert(doc.getText('t').length, ch)
  off()
  return out!
}

/** A sender's and a receiver's tables for one direction of one connection. */
function link(): { send: (m: ProtocolMessage) => Uint8Array; receive: (f: Uint8Array) => ProtocolMessage } {
  const out = new WireTables()
  const inn = new WireTables()
  return { send: (m) => encodeMessage(m, out), receive: (f) => decodeMessage(f, inn) }
}

describe('[WIRE-1] [WIRE-2] [WIRE-3] protocol 2: doc and replica ids by reference', () => {
  it('frames decode to what was sent, and a keystroke names its doc and replica in one byte each after their first use', () => {
    const { send, receive } = link()
    const author = new Doc({ replicaId: 2 ** 52 + 12_345 })
    const doc = 'notes/2026/a-long-document-id'
    const sizes: number[] = []
    for (let seq = 1; seq <= 5; seq++) {
      const m: ProtocolMessage = { type: 'delta', doc, seq, delta: keystroke(author) }
      const frame = send(m)
      sizes.push(frame.length)
      expect(receive(frame)).toEqual(m)
      if (seq > 1) {
        // Protocol 1 spells out the doc id, the 7 bytes of a 53-bit replica id (format 6's wide id) and the
        // container's name ('t': a length byte and one) every time; protocol 2 a byte for each.
        expect(encodeMessage(m).length - frame.length).toBe(doc.length + 6 + 1)
      }
    }
    expect(receive(send({ type: 'ack', doc, clientSeq: 5, serverSeq: 9 }))).toEqual({ type: 'ack', doc, clientSeq: 5, serverSeq: 9 })
    expect(sizes[1]).toBeLessThan(sizes[0]! - doc.length)
  })

  it('a delta that names many replicas, a deflated state and an empty delta all decode to their bytes', () => {
    const { send, receive } = link()
    const merged = new Doc({ replicaId: 1 })
    for (let r = 2; r < 40; r++) {
      const d = new Doc({ replicaId: r * 1_000_003 })
      d.getText('t').insert(0, `r${r}`)
      merged.applyDelta(d.encodeState())
    }
    const catchUp = merged.encodeDeltaSince({})
    const state = merged.encodeState()
    for (const delta of [catchUp, state, new Uint8Array(0), catchUp]) {
      const m: ProtocolMessage = { type: 'delta', doc: 'd', seq: 1, delta }
      expect(receive(send(m))).toEqual(m)
    }
  })

  it(`past ${WIRE_MAX_REPLICAS} replicas (or 1024 docs) ids go literally and still decode`, () => {
    const { send, receive } = link()
    for (let r = 1; r <= WIRE_MAX_REPLICAS + 50; r++) {
      const m: ProtocolMessage = { type: 'delta', doc: `doc-${r % 1100}`, seq: r, delta: keystroke(new Doc({ replicaId: r })) }
      expect(receive(send(m))).toEqual(m)
    }
  })

  it('a frame encoded and not sent is rolled back: the next one defines its names again', () => {
    const out = new WireTables()
    const inn = new WireTables()
    const m: ProtocolMessage = { type: 'delta', doc: 'd', seq: 1, delta: keystroke(new Doc({ replicaId: 77 })) }
    const mark = out.mark()
    encodeMessage(m, out)
    out.rollback(mark)
    expect(decodeMessage(encodeMessage(m, out), inn)).toEqual(m)
  })

  it(`tables agree with a plain list through adds and rollbacks on both sides of ${WIRE_SCAN_LIMIT} entries, where lookups switch from a scan to a Map`, () => {
    const seed = 0x7ab1e
    const rand = seededRandom(seed)
    const t = new WireTables()
    const model: number[] = []
    let crossings = 0
    for (let step = 0; step < 2000; step++) {
      const before = model.length
      const roll = rand()
      if (roll < 0.15) {
        const size = Math.floor(rand() * (model.length + 1))
        t.rollback({ ...t.mark(), replicas: size })
        model.length = size
      } else {
        const id = 1 + Math.floor(rand() * 40)
        t.replicas.add(id)
        if (!model.includes(id) && model.length < WIRE_MAX_REPLICAS) model.push(id)
      }
      if (before > WIRE_SCAN_LIMIT !== model.length > WIRE_SCAN_LIMIT) crossings++
      const where = `seed ${seed}, step ${step}`
      expect(t.replicas.size, where).toBe(model.length)
      const refs = Array.from({ length: 40 }, (_, i) => t.replicas.ref(i + 1))
      expect(refs, where).toEqual(Array.from({ length: 40 }, (_, i) => model.indexOf(i + 1) + 1))
      expect(
        model.map((_, i) => t.replicas.at(i + 1)),
        where,
      ).toEqual(model)
      expect(t.replicas.at(model.length + 1), where).toBeUndefined()
    }
    // The schedule must cross the limit often, both ways, or it tests one side only.
    expect(crossings).toBeGreaterThan(50)
  })

  it('[FRAME-3] fuzz: mutated protocol-2 frames decode or throw WeftDecodeError, never anything else', () => {
    const seed = 0x3172e
    const rand = seededRandom(seed)
    const docs = [new Doc({ replicaId: 2 ** 40 + 1 }), new Doc({ replicaId: 2 ** 40 + 2 }), new Doc({ replicaId: 7 })]
    const messages: ProtocolMessage[] = []
    for (let i = 0; i < 30; i++) {
      const d = docs[i % 3]!
      if (i > 0) d.applyDelta(docs[(i + 1) % 3]!.encodeDeltaSince(d.versionVector()))
      messages.push({ type: 'delta', doc: `doc-${i % 4}`, seq: i + 1, delta: keystroke(d) })
      if (i % 5 === 0) messages.push({ type: 'digest', doc: `doc-${i % 4}`, vv: d.versionVector(), hash: 'ab' })
    }
    const sender = new WireTables()
    const frames = messages.map((m) => encodeMessage(m, sender))
    for (let n = 0; n < 3000; n++) {
      const at = Math.floor(rand() * frames.length)
      const receiver = new WireTables()
      for (let i = 0; i < at; i++) decodeMessage(frames[i]!, receiver)
      const f = new Uint8Array(frames[at]!)
      for (let k = 0, flips = 1 + Math.floor(rand() * 3); k < flips; k++) f[1 + Math.floor(rand() * (f.length - 1))] = Math.floor(rand() * 256)
      try {
        decodeMessage(f, receiver)
      } catch (e) {
        expect((e as Error).name, `seed ${seed}, iteration ${n}`).toBe('WeftDecodeError')
      }
    }
  })

  it('bad references are WeftDecodeErrors: past the table, repeated past its size, replica 0, an unknown doc', () => {
    // Format 5: its replica table has a count (format 6 leaves out a count of one), which the cases vary.
    const delta = keystroke(new Doc({ replicaId: 5, deltaFormat: 5 }))
    /** The keystroke as a protocol-2 frame whose doc is `docRef` and whose replica table is `count` entries written as `refs`. */
    const frame = (docRef: number, count: number, refs: number[]): Uint8Array => {
      const w = new Writer(64)
      w.writeUint8(2)
      w.writeUint8(19) // delta
      w.writeVarUint(docRef)
      if (docRef === 0) w.writeString('d')
      w.writeVarUint(1) // seq
      const table = new Writer(16)
      table.writeVarUint(count)
      for (const r of refs) table.writeVarUint(r)
      const body = table.finish()
      // What follows the table in protocol 2 (the container's name as a definition): from a fresh encoding,
      // past [2, 19], the doc definition [0, 1, 'd'], the seq, the length, the delta header and [1, 0, 5].
      const rest = encodeMessage({ type: 'delta', doc: 'd', seq: 1, delta }, new WireTables()).subarray(12)
      w.writeVarUint(2 + body.length + rest.length)
      w.writeRaw(delta.subarray(0, 2))
      w.writeRaw(body)
      w.writeRaw(rest)
      return w.finish()
    }
    const ok = new WireTables()
    expect(decodeMessage(frame(0, 1, [0, 5]), ok)).toEqual({ type: 'delta', doc: 'd', seq: 1, delta })
    expect(decodeMessage(frame(1, 1, [1]), ok)).toEqual({ type: 'delta', doc: 'd', seq: 1, delta })
    expect(() => decodeMessage(frame(0, 1, [3]), new WireTables())).toThrow(expect.objectContaining({ code: 'out-of-range' }))
    expect(() => decodeMessage(frame(2, 1, [1]), ok)).toThrow(expect.objectContaining({ code: 'out-of-range' }))
    expect(() => decodeMessage(frame(1, 2, [1, 1]), ok)).toThrow(expect.objectContaining({ code: 'invalid' }))
    expect(() => decodeMessage(frame(0, 1, [0, 0]), new WireTables())).toThrow(expect.objectContaining({ code: 'invalid' }))
  })
})

describe('[WIRE-1] one fan-out message for many connections (BroadcastFrames)', () => {
  it('connections whose tables name things alike share one frame; every connection reads the message back', () => {
    const a = new Doc({ replicaId: 2 ** 45 + 1 })
    const b = new Doc({ replicaId: 2 ** 45 + 2 })
    const first = keystroke(a)
    const second = keystroke(b)
    b.applyDelta(first)
    const both = keystroke(b) // depends on a's and b's dots: names both replicas
    // Three receivers: two saw first then second, one saw second then first (other references).
    const senders = [new WireTables(), new WireTables(), new WireTables()]
    const receivers = [new WireTables(), new WireTables(), new WireTables()]
    const order = [
      [first, second],
      [first, second],
      [second, first],
    ]
    order.forEach((deltas, i) => {
      for (const [k, delta] of deltas.entries()) decodeMessage(encodeMessage({ type: 'delta', doc: 'd', seq: k, delta }, senders[i]), receivers[i])
    })
    const m: ProtocolMessage = { type: 'delta', doc: 'd', seq: 0, delta: both }
    const shared = new BroadcastFrames(m)
    const frames = senders.map((t) => shared.frameFor(t))
    expect(frames[1]).toBe(frames[0])
    expect(frames[2]).not.toBe(frames[0])
    frames.forEach((f, i) => expect(decodeMessage(f, receivers[i])).toEqual(m))
    // Same doc and replica references, but the container's name under another one: a frame of its own.
    // (A twin of a's replica writes container 'zz' first, so 'zz' takes name 1 and 't' name 2.)
    const twin = new Doc({ replicaId: 2 ** 45 + 1 })
    let zz: Uint8Array | undefined
    const off = twin.on('delta', (d) => (zz = d))
    twin.getText('zz').insert(0, 'z')
    off()
    const renamed = new WireTables()
    const renamedMirror = new WireTables()
    for (const [k, delta] of [zz!, first, second].entries()) decodeMessage(encodeMessage({ type: 'delta', doc: 'd', seq: k, delta }, renamed), renamedMirror)
    expect([renamed.docs.ref('d'), renamed.replicas.ref(2 ** 45 + 1), renamed.replicas.ref(2 ** 45 + 2)]).toEqual([1, 1, 2])
    expect([senders[0]!.docs.ref('d'), senders[0]!.replicas.ref(2 ** 45 + 1), senders[0]!.replicas.ref(2 ** 45 + 2)]).toEqual([1, 1, 2])
    expect([renamed.names.ref('t'), senders[0]!.names.ref('t')]).toEqual([2, 1])
    const renamedFrame = shared.frameFor(renamed)
    expect(renamedFrame).not.toBe(frames[0])
    expect(decodeMessage(renamedFrame, renamedMirror)).toEqual(m)
    // A connection that never saw the doc gets a frame of its own that defines it.
    const fresh = new WireTables()
    expect(decodeMessage(shared.frameFor(fresh), new WireTables())).toEqual(m)
  })
})

describe('[WIRE-1] a server speaks each connection its hello protocol', () => {
  /** Runs client sessions against one server in memory until no frame is in flight. */
  function harness() {
    const server = new SyncServer<string>({ authenticate: () => ({ ok: true, principal: 'anyone' }) })
    const clients = new Map<number, ClientSession>()
    const inbox: [number, Uint8Array][] = []
    const outbox: [number, Uint8Array][] = []
    const bytesTo = new Map<number, number>()
    const fromServer = (effects: ServerEffect[]) => {
      for (const e of effects) {
        if (e.type === 'send') inbox.push([e.conn, e.frame])
        else if (e.type === 'broadcast') for (const c of e.to) inbox.push([c, e.frame])
        else if (e.type === 'load') fromServer(server.loaded(e.doc, { deltas: [] }))
        else if (e.type === 'persist') queueMicrotask(() => fromServer(server.persisted(e.id, e.id)))
      }
    }
    const fromClient = (conn: number, effects: ClientEffect[]) => {
      const c = clients.get(conn)!
      for (const e of effects) {
        if (e.type === 'send') outbox.push([conn, e.frame])
        else if (e.type === 'persist-local') fromClient(conn, c.persisted(e.doc, e.seq))
      }
    }
    return {
      server,
      connect(conn: number, session: ClientSession): void {
        clients.set(conn, session)
        server.connect(conn, 0)
        fromClient(conn, session.connected(0))
      },
      local(conn: number, doc: string, delta: Uint8Array): void {
        fromClient(conn, clients.get(conn)!.localDelta(doc, delta))
      },
      open(conn: number, id: string, doc: Doc): void {
        fromClient(conn, clients.get(conn)!.open(id, doc))
      },
      bytesTo,
      async settle(): Promise<void> {
        for (let i = 0; i < 100 && (inbox.length > 0 || outbox.length > 0 || i < 2); i++) {
          for (const [conn, f] of outbox.splice(0)) fromServer(server.receive(conn, f, 0))
          for (const [conn, f] of inbox.splice(0)) {
            bytesTo.set(conn, (bytesTo.get(conn) ?? 0) + f.length)
            fromClient(conn, clients.get(conn)!.received(f, 0))
          }
          await Promise.resolve()
        }
      },
    }
  }

  it('protocol-1 and protocol-2 clients share a doc: each gets the other one’s edits in its own protocol, and protocol 2 costs fewer bytes', async () => {
    const h = harness()
    const docs = [new Doc({ replicaId: 2 ** 50 + 1 }), new Doc({ replicaId: 2 ** 50 + 2 }), new Doc({ replicaId: 2 ** 50 + 3 })]
    h.connect(1, new ClientSession({ protocolVersion: 1 }))
    h.connect(2, new ClientSession())
    h.connect(3, new ClientSession())
    docs.forEach((d, i) => h.open(i + 1, 'shared/doc', d))
    await h.settle()
    const before = new Map(h.bytesTo)
    for (let k = 0; k < 20; k++) {
      h.local(1 + (k % 3), 'shared/doc', keystroke(docs[k % 3]!, String.fromCharCode(97 + k)))
      await h.settle()
    }
    const text = docs[0]!.getText('t').toString()
    expect(text).toHaveLength(20)
    for (const d of docs) expect(d.getText('t').toString()).toBe(text)
    const received = (conn: number) => h.bytesTo.get(conn)! - before.get(conn)!
    // Client 2 and 3 receive the same edits in protocol 2 as client 1 does in protocol 1.
    expect(received(2)).toBeLessThan(received(1) * 0.75)
  })

  it('a protocol-2 frame with a reference past its table closes the connection as bad-frame and changes nothing', () => {
    const server = new SyncServer<string>({ authenticate: () => ({ ok: true, principal: 'anyone' }) })
    const wire = new WireTables()
    server.connect(1, 0)
    server.receive(1, encodeMessage({ type: 'hello', token: '', clientName: 'c' }, wire), 0)
    const sub = server.receive(1, encodeMessage({ type: 'subscribe', doc: 'd', vv: {} }, wire), 0)
    const load = sub.find((e) => e.type === 'load')
    if (load) server.loaded('d', { deltas: [] })
    const good = encodeMessage({ type: 'delta', doc: 'd', seq: 1, delta: keystroke(new Doc({ replicaId: 9 })) }, new WireTables())
    // The same frame from a fresh sender table defines its doc (0, then "d"); point it at entry 5 instead.
    expect([...good.subarray(2, 5)]).toEqual([0, 1, 'd'.charCodeAt(0)])
    const bad = new Uint8Array([...good.subarray(0, 2), 5, ...good.subarray(5)])
    const out = server.receive(1, bad, 0)
    expect(out).toContainEqual(expect.objectContaining({ type: 'refused', code: 'bad-frame' }))
    expect(out).toContainEqual(expect.objectContaining({ type: 'close', conn: 1 }))
    expect(out.some((e) => e.type === 'persist' || e.type === 'broadcast')).toBe(false)
  })

  it('[LIM-2] a protocol-2 subscribe over the version-vector bound is refused before it is decoded, whether its doc is defined or referenced', () => {
    const server = new SyncServer<string>({ authenticate: () => ({ ok: true, principal: 'anyone' }), maxVersionVectorEntries: 100 })
    const wire = new WireTables()
    server.connect(1, 0)
    server.receive(1, encodeMessage({ type: 'hello', token: '', clientName: 'c' }, wire), 0)
    const small = server.receive(1, encodeMessage({ type: 'subscribe', doc: 'd', vv: { 1: 1 } }, wire), 0)
    expect(small).toContainEqual({ type: 'load', doc: 'd' })
    const vv: Record<number, number> = {}
    for (let i = 1; i <= 101; i++) vv[i] = 1
    // 'd' is entry 1 of the table by now: this frame names it by reference.
    const out = server.receive(1, encodeMessage({ type: 'subscribe', doc: 'd', vv }, wire), 0)
    expect(out).toContainEqual(expect.objectContaining({ type: 'refused', code: 'too-large' }))
  })

  it('a protocol-2 client that meets a server from before protocol 2 gets an error that says what to do', () => {
    const c = new ClientSession()
    c.connected(0)
    // What a protocol-1 server answers a protocol-2 hello with, as a protocol-1 frame.
    const refusal = encodeMessage({ type: 'error', code: 'unsupported-version', message: 'protocol version 2, this peer speaks 1' })
    const effects = c.received(refusal, 0)
    const error = effects.find((e) => e.type === 'error')
    expect(error?.type === 'error' && error.error.message).toMatch(/upgrade it, or create the client with session: \{ protocolVersion: 1 \}/)
    expect(effects).toContainEqual({ type: 'close', reason: 'unsupported-version' })
  })
})
