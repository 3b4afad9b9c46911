import { describe, expect, it } from 'vitest'
import { WeftCausalBufferFullError } from '../errors.js'
import { Doc } from './doc.js'

function pair(): [Doc, Doc] {
  const a = new Doc()
  const b = new Doc()
  a.on('delta', (d) => b.applyDelta(d))
  b.on('delta', (d) => a.applyDelta(d))
  return [a, b]
}

describe('Doc API', () => {
  it('draws distinct random replica ids below 2^53 and validates given ones', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => new Doc().replicaId))
    expect(ids.size).toBe(1000)
    for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).toBe(true)
    expect(new Doc({ replicaId: 42 }).replicaId).toBe(42)
    expect(() => new Doc({ replicaId: 0 })).toThrow(RangeError)
    expect(() => new Doc({ replicaId: 2 ** 53 })).toThrow(RangeError)
  })

  it('keeps one drawn id for its life, also when it loaded a state before its first edit', () => {
    const source = new Doc()
    source.getText('t').insert(0, 'abc')
    const copy = Doc.load(source.encodeState())
    const deltas: Uint8Array[] = []
    copy.on('delta', (d) => deltas.push(d))
    copy.getText('t').insert(3, 'd')
    const id = copy.replicaId
    expect(id).not.toBe(source.replicaId)
    expect(copy.replicaId).toBe(id)
    expect(copy.versionVector()).toEqual({ [source.replicaId]: 3, [id]: 1 })
    source.applyDelta(deltas[0]!)
    expect(source.getText('t').toString()).toBe('abcd')
    expect(source.versionVector()[id]).toBe(1)
  })

  it('text, map, list and counter operations', () => {
    const doc = new Doc()
    const text = doc.getText('body')
    text.insert(0, 'hello')
    text.insert(5, '!')
    text.delete(0, 1)
    expect(text.toString()).toBe('ello!')
    expect(text.length).toBe(5)
    const meta = doc.getMap('meta')
    meta.set('title', 'x')
    meta.set('n', 1)
    meta.delete('n')
    expect(meta.get('title')).toBe('x')
    expect(meta.get('n')).toBeUndefined()
    expect(meta.keys()).toEqual(['title'])
    const items = doc.getList('items')
    items.push('a', 'c')
    items.insert(1, 'b')
    items.delete(0)
    expect(items.toArray()).toEqual(['b', 'c'])
    expect(items.get(1)).toBe('c')
    expect(items.length).toBe(2)
    const votes = doc.getCounter('votes')
    votes.increment(3)
    votes.increment(-1)
    expect(votes.value).toBe(2)
    expect(doc.toJSON()).toEqual({ body: 'ello!', meta: { title: 'x' }, items: ['b', 'c'], votes: 2 })
  })

  it('nested containers in maps and lists sync and serialize', () => {
    const [a, b] = pair()
    const todo = a.getList('todos').pushContainer('map')
    todo.set('title', 'milk')
    todo.setContainer('notes', 'text').insert(0, 'semi-skimmed')
    todo.setContainer('likes', 'counter').increment()
    expect(b.toJSON()).toEqual({ todos: [{ title: 'milk', notes: 'semi-skimmed', likes: 1 }] })
    const remoteTodo = b.getList('todos').get(0) as ReturnType<typeof a.getMap>
    remoteTodo.set('done', true)
    expect(a.toJSON()).toEqual({ todos: [{ title: 'milk', notes: 'semi-skimmed', likes: 1, done: true }] })
  })

  it('a key written concurrently with a nested container converges', () => {
    const a = new Doc({ replicaId: 1 })
    const b = new Doc({ replicaId: 2 })
    a.getMap('m').setContainer('k', 'list').push(1)
    b.getMap('m').set('k', 'plain')
    const da = a.encodeDeltaSince({})
    const db = b.encodeDeltaSince({})
    a.applyDelta(db)
    b.applyDelta(da)
    expect(a.toJSON()).toEqual(b.toJSON())
    expect(a.digest()).toBe(b.digest())
  })

  it('__proto__, constructor and prototype are ordinary keys', () => {
    const doc = new Doc()
    const m = doc.getMap('m')
    m.set('__proto__', { polluted: true })
    m.set('constructor', 1)
    m.set('prototype', 2)
    const json = Doc.load(doc.encodeState()).toJSON()['m'] as Record<string, unknown>
    expect(Object.keys(json).sort()).toEqual(['__proto__', 'constructor', 'prototype'])
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype)
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
    expect(m.get('__proto__')).toEqual({ polluted: true })
  })

  it('transact makes one delta and one change event; nested transact joins', () => {
    const doc = new Doc()
    const deltas: unknown[] = []
    const changes: { origin: unknown; local: boolean; n: number }[] = []
    doc.on('delta', (_d, origin) => deltas.push(origin))
    doc.on('change', (e) => changes.push({ origin: e.origin, local: e.local, n: e.containers.size }))
    doc.transact(() => {
      doc.getText('t').insert(0, 'ab')
      doc.transact(() => doc.getMap('m').set('x', 1))
      doc.getCounter('c').increment()
    }, 'my-origin')
    expect(deltas).toEqual(['my-origin'])
    expect(changes).toEqual([{ origin: 'my-origin', local: true, n: 3 }])
    const other = new Doc()
    const remote: boolean[] = []
    other.on('change', (e) => remote.push(e.local))
    other.applyDelta(doc.encodeState())
    expect(remote).toEqual([false])
  })

  it('delivers events to listeners added, removed and added again between edits', () => {
    const doc = new Doc()
    const text = doc.getText('t')
    text.insert(0, 'a') // before any listener
    const seen: string[] = []
    const stopDelta = doc.on('delta', () => seen.push('delta'))
    const onChange = (): void => {
      seen.push('change')
    }
    doc.on('change', onChange)
    text.insert(1, 'b')
    stopDelta()
    doc.off('change', onChange)
    text.insert(2, 'c')
    doc.on('change', onChange)
    text.insert(3, 'd')
    expect(seen).toEqual(['delta', 'change', 'change'])
  })
  it('rejects what is not JSON and indices out of range, with messages that say what to do', () => {
    const doc = new Doc()
    expect(() => doc.getMap('m').set('d', new Date() as never)).toThrow(/plain objects, or a nested container/)
    expect(() => doc.getMap('m').set('u', undefined as never)).toThrow(/only JSON values/)
    expect(() => doc.getMap('m').set('n', NaN)).toThrow(/finite/)
    expect(() => doc.getText('t').insert(1, 'x')).toThrow(RangeError)
    expect(() => doc.getText('t').delete(0, 1)).toThrow(RangeError)
    expect(() => doc.getList('l').insert(-1, 1)).toThrow(RangeError)
    expect(() => doc.getCounter('c').increment(0.5)).toThrow(/safe integer/)
    expect(doc.toJSON()).toEqual({})
  })

  it('stored values are copies: mutating the input later changes nothing', () => {
    const doc = new Doc()
    const value = { list: [1] }
    doc.getMap('m').set('v', value)
    value.list.push(2)
    expect(doc.toJSON()).toEqual({ m: { v: { list: [1] } } })
  })

  /** One delta per character typed into text 't' of a fresh doc. */
  function typed(chars: string): Uint8Array[] {
    const a = new Doc()
    const deltas: Uint8Array[] = []
    a.on('delta', (d) => deltas.push(d))
    const t = a.getText('t')
    for (const ch of chars) t.insert(t.length, ch)
    return deltas
  }

  it('buffers deltas whose dependencies are missing, then applies them in causal order', () => {
    const deltas = typed('abcdef')
    const b = new Doc()
    for (const d of [...deltas].reverse()) b.applyDelta(d)
    expect(b.getText('t').toString()).toBe('abcdef')
    expect(b.pendingCount).toBe(0)
    const c = new Doc()
    c.applyDelta(deltas[3]!)
    c.applyDelta(deltas[5]!)
    expect(c.pendingCount).toBe(2)
    expect(c.toJSON()).toEqual({})
  })

  it('applyDeltaIfReady joins a delta whose past is here and leaves one whose past is missing out of the buffer', () => {
    const deltas = typed('abc')
    const b = new Doc()
    expect(b.applyDeltaIfReady(deltas[1]!)).toBe(false)
    expect(b.pendingCount).toBe(0)
    expect(b.toJSON()).toEqual({})
    expect(b.applyDeltaIfReady(deltas[0]!)).toBe(true)
    expect(b.applyDeltaIfReady(deltas[0]!)).toBe(true) // already known
    b.applyDelta(deltas[2]!) // buffered: it waits for the second
    expect(b.pendingCount).toBe(1)
    expect(b.applyDeltaIfReady(deltas[1]!)).toBe(true) // joined, and it unblocks the buffered third
    expect(b.pendingCount).toBe(0)
    expect(b.getText('t').toString()).toBe('abc')
  })

  it('[SYNC-DEL-1] deletes that a catch-up carried without their dots are never offered as exact deletes', () => {
    // a inserts X and Y; b has both; a deletes X.
    const a = new Doc({ replicaId: 1 })
    const b = new Doc({ replicaId: 2 })
    a.getList('l').push('X')
    a.getList('l').push('Y')
    b.applyDelta(a.encodeDeltaSince({}))
    a.getList('l').delete(0, 1)
    // s loaded a's state: its history is folded, so its deletes have no dots (a history base).
    const s = new Doc({ replicaId: 3 })
    s.applyDelta(a.encodeState())
    // c starts empty and catches up from s: X arrives as an insert already deleted.
    const c = new Doc({ replicaId: 4 })
    c.applyDelta(s.encodeDeltaSince({}))
    expect(c.getList('l').toArray()).toEqual(['Y'])
    // b catches up from c: c must send X's delete although its own log never had it.
    b.applyDelta(c.encodeDeltaSince(b.versionVector()))
    expect(b.versionVector()).toEqual(a.versionVector())
    expect(b.getList('l').toArray()).toEqual(['Y'])
    expect(b.digest()).toBe(a.digest())
  })

  it('[SYNC-DEPS-1] a catch-up delta does not make its dependencies implied: a later edit still waits for what it built on', () => {
    // r writes twice; a writes once without seeing r's second write; the server s has all three.
    const r = new Doc({ replicaId: 1 })
    const a = new Doc({ replicaId: 2 })
    const s = new Doc({ replicaId: 3 })
    const fromR: Uint8Array[] = []
    r.on('delta', (d) => fromR.push(d))
    r.getText('t').insert(0, 'x')
    a.applyDelta(fromR[0]!)
    let fromA: Uint8Array | undefined
    a.on('delta', (d) => (fromA = d))
    a.getList('l').push(1)
    r.getText('t').insert(1, 'y')
    for (const d of [fromR[0]!, fromA!, fromR[1]!]) s.applyDelta(d)
    // x has r's two writes, then catches up from s: a's write comes with s's vector as dependencies.
    const x = new Doc({ replicaId: 4 })
    for (const d of fromR) x.applyDelta(d)
    x.applyDelta(s.encodeDeltaSince(x.versionVector()))
    let fromX: Uint8Array | undefined
    x.on('delta', (d) => (fromX = d))
    x.getText('t').insert(2, 'z') // after r's second write
    // y has r's first write and a's: x's edit must wait for r's second one, not fail on its origin.
    const y = new Doc({ replicaId: 5 })
    y.applyDelta(fromR[0]!)
    y.applyDelta(fromA!)
    y.applyDelta(fromX!)
    expect(y.pendingCount).toBe(1)
    y.applyDelta(fromR[1]!)
    expect(y.pendingCount).toBe(0)
    expect(y.getText('t').toString()).toBe('xyz')
  })

  it('bounds the causal buffer by count and bytes with a typed error', () => {
    const a = new Doc()
    const deltas: Uint8Array[] = []
    a.on('delta', (d) => deltas.push(d))
    for (let i = 0; i < 10; i++) a.getCounter('c').increment()
    const b = new Doc({ maxPendingDeltas: 3 })
    for (const d of deltas.slice(1, 4)) b.applyDelta(d)
    expect(() => b.applyDelta(deltas[4]!)).toThrow(WeftCausalBufferFullError)
    const c = new Doc({ maxPendingBytes: deltas[1]!.length + 1 })
    c.applyDelta(deltas[1]!)
    expect(() => c.applyDelta(deltas[2]!)).toThrow(/causal buffer full/)
    // The caller resyncs with encodeDeltaSince and the buffer drains.
    b.applyDelta(a.encodeDeltaSince(b.versionVector()))
    expect(b.pendingCount).toBe(0)
    expect(b.getCounter('c').value).toBe(10)
  })

  it('encodeDeltaSince sends exactly what is lacking: nothing to an up-to-date peer', () => {
    const [a, b] = pair()
    a.getText('t').insert(0, 'x'.repeat(1000))
    const upToDate = a.encodeDeltaSince(b.versionVector())
    const c = new Doc()
    c.applyDelta(upToDate)
    expect(c.toJSON()).toEqual({})
    expect(upToDate.length).toBeLessThan(8)
    // 10k single-character edits while offline come back as one compact delta.
    const offline = Doc.load(a.encodeState())
    const before = offline.versionVector()
    let sum = 0
    offline.on('delta', (d) => (sum += d.length))
    const t = offline.getText('t')
    for (let i = 0; i < 10_000; i++) t.insert(t.length, 'y')
    const catchUp = offline.encodeDeltaSince(before)
    expect(catchUp.length).toBeLessThan(10_200)
    expect(catchUp.length).toBeLessThan(sum / 10)
    a.applyDelta(catchUp)
    expect(a.digest()).toBe(offline.digest())
  })

  it('digest is equal exactly when the visible state and version vector are', () => {
    const [a, b] = pair()
    a.getText('t').insert(0, 'same')
    expect(a.digest()).toBe(b.digest())
    expect(a.digest()).toMatch(/^[0-9a-f]{64}$/)
    const c = Doc.load(a.encodeState())
    c.getCounter('k').increment()
    expect(c.digest()).not.toBe(a.digest())
  })
})

describe('text split inside a surrogate pair', () => {
  it('replicas converge when a delete leaves half of an emoji (found by the protocol simulation)', () => {
    const a = new Doc({ replicaId: 1 })
    const deltas: Uint8Array[] = []
    a.on('delta', (d) => deltas.push(d))
    a.getText('t').insert(0, 'x🙂y')
    a.getText('t').delete(1, 1)
    const viaState = new Doc({ replicaId: 2 })
    viaState.applyDelta(a.encodeState())
    const viaDeltas = new Doc({ replicaId: 3 })
    for (const d of deltas) viaDeltas.applyDelta(d)
    expect(viaState.getText('t').toString()).toBe(a.getText('t').toString())
    expect(viaDeltas.getText('t').toString()).toBe(a.getText('t').toString())
    expect(viaState.digest()).toBe(a.digest())
    expect(viaDeltas.digest()).toBe(a.digest())
  })
})

describe('delta dependencies', () => {
  it('name only the frontier: 20 writers typing in turn send small deltas', () => {
    const docs = Array.from({ length: 20 }, (_, i) => new Doc({ replicaId: 2 ** 50 + i }))
    const sizes: number[] = []
    docs.forEach((d, i) =>
      d.on('delta', (bytes) => {
        sizes.push(bytes.length)
        docs.forEach((o, j) => j !== i && o.applyDelta(bytes))
      }),
    )
    for (let round = 0; round < 5; round++) for (const d of docs) d.getText('t').insert(0, 'x')
    const steady = sizes.slice(40)
    // Each keystroke follows the one before it: one head, not nineteen replicas.
    expect(Math.max(...steady)).toBeLessThan(60)
    expect(new Set(docs.map((d) => d.digest())).size).toBe(1)
  })

  it('still hold back a delta until everything it follows has arrived', () => {
    const a = new Doc({ replicaId: 1 })
    const b = new Doc({ replicaId: 2 })
    const c = new Doc({ replicaId: 3 })
    let fromA: Uint8Array = new Uint8Array()
    let fromB: Uint8Array = new Uint8Array()
    a.on('delta', (d) => (fromA = d))
    b.on('delta', (d) => (fromB = d))
    a.getMap('m').set('x', 1)
    b.applyDelta(fromA)
    b.getMap('m').set('y', 2) // follows A's write, though it touches another key
    c.applyDelta(fromB)
    expect(c.pendingCount).toBe(1)
    expect(c.toJSON()).toEqual({})
    c.applyDelta(fromA)
    expect(c.pendingCount).toBe(0)
    expect(c.toJSON()).toEqual({ m: { x: 1, y: 2 } })
  })
})
