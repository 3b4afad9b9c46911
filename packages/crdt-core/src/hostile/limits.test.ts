import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { decodeDelta } from '../delta/codec.js'
import { inspectDelta } from '../delta/inspect.js'
import { Reader, Writer } from '../encoding/index.js'
import { WeftDecodeError, WeftDepthError } from '../errors.js'
import { DEFAULT_MAX_INFLATED_BYTES, MAX_CONTAINER_DEPTH, MAX_KEY_BYTES, MAX_STRING_BYTES, TRUSTED_MAX_INFLATED_BYTES } from '../limits.js'
import { decodeMessage, encodeMessage } from '../sync/codec.js'
import { inflateStreaming } from '../delta/compression.js'
import {
  KIND,
  deflatedZeros,
  header,
  hugeKeyDeflatedState,
  manyEmptyContainersDelta,
  mapKeyDelta,
  nestedId,
  nestedMapsDelta,
  zeroBomb,
} from '../test-support/hostile/craft.js'

/** Runs `fn`, expecting a `WeftDecodeError` with `code`; returns how long it took (ms). */
function rejects(fn: () => unknown, code: string): number {
  const t0 = performance.now()
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught, 'expected a WeftDecodeError').toBeInstanceOf(WeftDecodeError)
  expect((caught as WeftDecodeError).code).toBe(code)
  return performance.now() - t0
}

describe('strings and keys have bounds checked before anything is allocated (issue 15 item 1)', () => {
  it('a map key over MAX_KEY_BYTES is a typed error, on decode and on write', () => {
    const key = 'k'.repeat(MAX_KEY_BYTES + 1)
    rejects(() => decodeDelta(mapKeyDelta(key)), 'too-large')
    const doc = new Doc()
    expect(() => doc.getMap('m').set(key, 1)).toThrow(RangeError)
    expect(() => doc.getMap(key)).toThrow(RangeError)
    // The bound itself is admitted both ways.
    const ok = 'k'.repeat(MAX_KEY_BYTES)
    doc.getMap('m').set(ok, 1)
    expect(Doc.load(doc.encodeState()).getMap('m').get(ok)).toBe(1)
  })

  it('a string over MAX_STRING_BYTES is refused before it is decoded', () => {
    const w = new Writer(16)
    w.writeVarUint(MAX_STRING_BYTES + 1)
    const head = w.finish()
    const buf = new Uint8Array(head.length + MAX_STRING_BYTES + 1)
    buf.set(head)
    // Not UTF-8, so an unbounded reader would also take the slow WTF-8 path.
    buf.fill(0xff, head.length)
    const ms = rejects(() => new Reader(buf).readString(), 'too-large')
    expect(ms).toBeLessThan(50)
  })

  it('a deflated state holding a 100 M-character map key fails fast with a typed error', () => {
    const bytes = hugeKeyDeflatedState(100 * 1024 * 1024)
    expect(bytes.length).toBeLessThan(200_000)
    const ms = rejects(() => decodeDelta(bytes), 'too-large')
    expect(ms).toBeLessThan(250)
  })
})

describe('inflating is bounded while it runs (issue 15 item 4)', () => {
  it('a bomb claiming ~1 GB is refused without inflating it', () => {
    const bomb = zeroBomb(1000 * 1024 * 1024)
    const ms = rejects(() => decodeDelta(bomb), 'too-large')
    expect(ms).toBeLessThan(250)
  })

  it('maxInflatedBytes is an option of the decoder, the doc and inspectDelta', () => {
    const doc = new Doc()
    doc.getText('t').insert(0, 'x'.repeat(50_000))
    const state = doc.encodeState()
    expect(Doc.load(state).getText('t').length).toBe(50_000)
    rejects(() => Doc.load(state, { maxInflatedBytes: 10_000 }), 'too-large')
    rejects(() => inspectDelta(state, { maxInflatedBytes: 10_000 }), 'too-large')
    expect(inspectDelta(state, { maxInflatedBytes: 100_000 }).isState).toBe(true)
  })

  it('[LIMIT-2] a trusted load takes a state past the default bound; no bound lets a claim past what a buffer holds inflate', () => {
    const doc = new Doc()
    doc.getText('t').insert(0, 'x'.repeat(DEFAULT_MAX_INFLATED_BYTES + 1000))
    const state = doc.encodeState()
    rejects(() => Doc.load(state), 'too-large')
    expect(Doc.load(state, { maxInflatedBytes: TRUSTED_MAX_INFLATED_BYTES }).getText('t').length).toBe(DEFAULT_MAX_INFLATED_BYTES + 1000)
    // Even unbounded, a claim past what one buffer holds (2 GiB) is refused before inflating.
    const ms = rejects(() => decodeDelta(zeroBomb(1000, 2 ** 40), undefined, { maxInflatedBytes: Number.POSITIVE_INFINITY }), 'too-large')
    expect(ms).toBeLessThan(50)
  })

  it('a state that lies about its length (claims little, inflates to much) stops at the claim', () => {
    const ms = rejects(() => decodeDelta(zeroBomb(64 * 1024 * 1024, 1000)), 'invalid')
    expect(ms).toBeLessThan(250)
  })

  it('the browser path (fflate, streaming with a running count) stops at the limit too', () => {
    // 512 MiB of zeros: inflating it whole takes seconds and half a gigabyte.
    const packed = deflatedZeros(512 * 1024 * 1024)
    const t0 = performance.now()
    const out = inflateStreaming(packed, 1001)
    expect(out.length).toBe(1001)
    expect(performance.now() - t0).toBeLessThan(1500)
    expect(inflateStreaming(deflatedZeros(5000), 6000).length).toBe(5000)
  })
})

/** Sections of nested counters (replica 7, counters 1..n): `counts[i]` > 0 gives section i one count op of that total. */
function counterSections(ids: readonly number[], counts: readonly number[]): Uint8Array {
  const w = new Writer(16 * ids.length + 64)
  header(w, { to: 2 * ids.length + 2 })
  w.writeVarUint(ids.length)
  ids.forEach((id, i) => {
    nestedId(w, KIND.counter, id)
    const total = counts[i] ?? 0
    if (total === 0) return w.writeVarUint(0)
    w.writeVarUint(1)
    w.writeVarUint(1)
    w.writeVarUint(ids.length + 1 + i)
    w.writeVarInt(total)
  })
  return w.finish()
}

describe('empty containers cost nothing to join ([LIMIT-EMPTY-1], issue 15: one frame of 34k cost 170-240 ms of server CPU)', () => {
  /** The containers a doc holds (the internal table every container object sits in). */
  const containersIn = (d: Doc) => (d as unknown as { state: { containers: Map<string, unknown> } }).state.containers.size

  it('a delta of 34k empty containers joins its dots and creates no container', () => {
    const d = new Doc()
    const info = d.applyDeltaInspect(manyEmptyContainersDelta(34_000))
    expect(info.novel).toBe(true)
    expect(d.versionVector()).toEqual({ 7: 34_000 })
    expect(containersIn(d)).toBe(0)
    expect(d.toJSON()).toEqual({})
    // Nothing to keep: the state is a header and the vector.
    expect(d.encodeState().length).toBeLessThan(32)
  })

  it('empty sections among others are dropped and the others kept, in order, few or many', () => {
    for (const n of [3, 16, 17, 40, 2_000]) {
      const ids = Array.from({ length: n }, (_, i) => i + 1)
      const counts = ids.map((id) => (id % 3 === 0 ? 0 : id))
      const data = decodeDelta(counterSections(ids, counts))
      const kept = ids.filter((id) => id % 3 !== 0)
      expect(data.containers.map((c) => c.id.counter)).toEqual(kept)
      expect(data.containers.map((c) => c.counts[0]?.total)).toEqual(kept)
      // No two kept sections share objects (the spare is replaced when kept).
      expect(new Set(data.containers.map((c) => c.id)).size).toBe(kept.length)
      const d = new Doc()
      d.applyDelta(counterSections(ids, counts))
      expect(containersIn(d)).toBe(kept.length)
    }
  })

  it('a container listed twice is refused whether either copy is empty, few or many', () => {
    for (const n of [4, 40]) {
      const ids = Array.from({ length: n }, (_, i) => i + 1)
      ids[n - 1] = 2
      for (const counts of [ids.map(() => 0), ids.map((_, i) => (i === 1 ? 5 : 0)), ids.map((_, i) => (i === n - 1 ? 5 : 0))]) {
        rejects(() => decodeDelta(counterSections(ids, counts)), 'invalid')
      }
    }
  })

  it('a state of a doc with many nested containers round-trips (sections read through the spare)', () => {
    const a = new Doc({ replicaId: 3 })
    a.transact(() => {
      const m = a.getMap('m')
      for (let i = 0; i < 30; i++) {
        if (i % 3 === 0) m.setContainer(`t${i}`, 'text').insert(0, `text ${i}`)
        else if (i % 3 === 1) m.setContainer(`l${i}`, 'list').push(i)
        else m.setContainer(`c${i}`, 'counter').increment(i)
      }
      // An empty nested map: its parent's entry creates it, no section lists it.
      m.setContainer('empty', 'map')
    })
    const b = Doc.load(a.encodeState())
    expect(b.toJSON()).toEqual(a.toJSON())
    expect(b.digest()).toBe(a.digest())
    expect(b.encodeState()).toEqual(a.encodeState())
  })
})

describe('many containers decode in linear time (issue 15 item 3)', () => {
  it('140k empty containers decode in seconds, not minutes; a duplicate is still found', () => {
    const bytes = manyEmptyContainersDelta(140_000)
    const t0 = performance.now()
    // Empty containers are dropped as they are read ([LIMIT-EMPTY-1]).
    expect(decodeDelta(bytes).containers.length).toBe(0)
    expect(performance.now() - t0).toBeLessThan(5000)
    // The same container twice, far apart.
    const w = new Writer(64)
    w.writeUint8(1)
    w.writeUint8(0)
    w.writeVarUint(1)
    w.writeVarUint(7)
    w.writeVarUint(0)
    w.writeVarUint(1)
    w.writeVarUint(1)
    w.writeVarUint(0)
    w.writeVarUint(3)
    w.writeVarUint(40)
    for (let i = 0; i < 40; i++) {
      w.writeUint8(4)
      w.writeUint8(1)
      w.writeVarUint(1)
      w.writeVarUint(i === 39 ? 2 : 1 + (i % 3))
      w.writeVarUint(0)
    }
    rejects(() => decodeDelta(w.finish()), 'invalid')
  })

  it('applyDeltaInspect joins a delta and reports its dots and whether it was new, from one decode', () => {
    const a = new Doc({ replicaId: 5 })
    const deltas: Uint8Array[] = []
    a.on('delta', (d) => deltas.push(d))
    a.getMap('m').set('x', 1)
    a.getMap('m').set('y', 2)
    const b = new Doc()
    const first = b.applyDeltaInspect(deltas[0]!)
    expect(first).toMatchObject({ isState: false, novel: true, ranges: [{ replica: 5, from: 0, to: 1 }] })
    expect(b.applyDeltaInspect(deltas[0]!).novel).toBe(false)
    const second = b.applyDeltaInspect(deltas[1]!)
    expect(second.novel).toBe(true)
    expect(second.deps).toEqual({})
    // The reported ranges are the caller's to keep (not a decoder's reused objects).
    expect(first.ranges).toEqual([{ replica: 5, from: 0, to: 1 }])
    expect(b.getMap('m').toJSON()).toEqual({ x: 1, y: 2 })
    // Bad bytes: typed error, doc untouched.
    rejects(() => b.applyDeltaInspect(new Uint8Array([1, 0, 9])), 'out-of-range')
  })
})

describe('container nesting is bounded and every walk is iterative (issue 15 item 5)', () => {
  it('3,000 nested maps from the decoder: a typed depth error, no RangeError', () => {
    let caught: unknown
    try {
      new Doc().applyDelta(nestedMapsDelta(3000))
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(WeftDepthError)
    expect(caught).toBeInstanceOf(WeftDecodeError)
    expect((caught as WeftDepthError).code).toBe('too-deep')
  })

  it('100,000 nested maps in a crafted delta or state: a typed error, no RangeError', () => {
    for (const state of [false, true]) {
      let caught: unknown
      try {
        new Doc().applyDelta(nestedMapsDelta(100_000, { state }))
      } catch (e) {
        caught = e
      }
      expect(caught).toBeInstanceOf(WeftDepthError)
    }
  })

  it('the public API refuses to nest past MAX_CONTAINER_DEPTH, before it takes a dot', () => {
    const doc = new Doc({ replicaId: 3 })
    let m = doc.getMap('root')
    for (let i = 1; i < MAX_CONTAINER_DEPTH; i++) m = m.setContainer('k', 'map')
    const vv = doc.versionVector()
    expect(() => m.setContainer('k', 'map')).toThrow(WeftDepthError)
    expect(() => m.setContainer('k', 'list')).toThrow(WeftDepthError)
    expect(doc.versionVector()).toEqual(vv)
    // The deepest legal doc travels, loads and digests.
    const copy = Doc.load(doc.encodeState())
    expect(copy.digest()).toBe(doc.digest())
    const list = doc.getList('l')
    let l = list
    for (let i = 1; i < MAX_CONTAINER_DEPTH; i++) l = l.pushContainer('list')
    expect(() => l.pushContainer('map')).toThrow(WeftDepthError)
    expect(Doc.load(doc.encodeState()).digest()).toBe(doc.digest())
  })

  it('the depth bound holds across deltas: one level at a time from another replica', () => {
    const a = new Doc({ replicaId: 9 })
    const b = new Doc()
    a.on('delta', (d) => b.applyDelta(d))
    let m = a.getMap('root')
    for (let i = 1; i < MAX_CONTAINER_DEPTH; i++) m = m.setContainer('k', 'map')
    expect(b.digest()).toBe(a.digest())
    // A forged next level (a's API refuses it): b refuses it too.
    const forged = nestedMapsDelta(MAX_CONTAINER_DEPTH + 5)
    expect(() => new Doc().applyDelta(forged)).toThrow(WeftDepthError)
  })

  it('digest, toJSON and encodeState walk 30,000 levels without recursion (3,000 overflowed the stack)', () => {
    // Built below the API's bound check, as an older build or a buggy peer could have stored it.
    const doc = Doc.load(nestedMapsDelta(30_000, { state: true }), { maxContainerDepth: Number.POSITIVE_INFINITY })
    expect(doc.digest()).toMatch(/^[0-9a-f]{64}$/)
    let json = doc.toJSON().root as Record<string, unknown>
    let depth = 1
    while (json.k !== undefined) {
      json = json.k as Record<string, unknown>
      depth++
    }
    expect(depth).toBe(30_001)
    const again = Doc.load(doc.encodeState(), { maxContainerDepth: Number.POSITIVE_INFINITY })
    expect(again.digest()).toBe(doc.digest())
  })
})

describe('U+FEFF at the start of a string survives (issue 15 item 7)', () => {
  const bom = '\uFEFF'
  it('map keys, values, text, root names and list items round-trip through deltas and states', () => {
    const a = new Doc()
    const b = new Doc()
    a.on('delta', (d) => b.applyDelta(d))
    a.getMap('m').set(`${bom}key`, `${bom}value`)
    a.getMap(`${bom}root`).set('x', 1)
    const t = a.getText('t')
    t.insert(0, `x${bom}hello`)
    // After this delete the text starts with U+FEFF.
    t.delete(0, 1)
    a.getList('l').push(`${bom}item`, { [`${bom}k`]: `${bom}v` })
    expect(b.toJSON()).toEqual(a.toJSON())
    expect(b.getText('t').toString()).toBe(`${bom}hello`)
    const loaded = Doc.load(a.encodeState())
    expect(loaded.toJSON()).toEqual(a.toJSON())
    expect(loaded.digest()).toBe(a.digest())
    // Big enough to be deflated.
    t.insert(0, `${bom}${'y'.repeat(5000)}`)
    const big = Doc.load(a.encodeState())
    expect(big.getText('t').toString().startsWith(`${bom}y`)).toBe(true)
    expect(big.digest()).toBe(a.digest())
  })

  it('a string read by the Reader keeps a leading U+FEFF on both the short and long paths', () => {
    for (const s of [`${bom}a`, `${bom}${'b'.repeat(100)}`, bom]) {
      const w = new Writer(8)
      w.writeString(s)
      expect(new Reader(w.finish()).readString()).toBe(s)
    }
  })
})

describe('doc ids keep a leading U+FEFF on the wire (issue 15 item 7)', () => {
  it('subscribe and delta frames round-trip the doc id', () => {
    const doc = '\uFEFFnote:1'
    const sub = decodeMessage(encodeMessage({ type: 'subscribe', doc, vv: {} }))
    expect(sub).toMatchObject({ type: 'subscribe', doc })
    const delta = decodeMessage(encodeMessage({ type: 'delta', doc, seq: 1, delta: new Uint8Array([1]) }))
    expect(delta).toMatchObject({ type: 'delta', doc })
  })
})

describe('[LIM-REPLICAS-1] a catch-up of a doc many replicas wrote is linear in them (issue 15 item 14)', () => {
  it('[LIM-REPLICAS-1] encodeDeltaSince({}) of a 20k-replica doc takes about what encodeState does, not seconds', () => {
    const all = new Doc({ replicaId: 1 })
    for (let i = 0; i < 20_000; i++) {
      const d = new Doc({ replicaId: 1_000 + i })
      d.on('delta', (bytes) => all.applyDelta(bytes))
      d.getMap('m').set(`k${i % 64}`, i)
    }
    // Each replica is in the catch-up's ranges and, at its range's start, in its dependencies ([SYNC-DEPS-1]):
    // a scan of the ranges per dependency made this 20k x 20k (~4 s; ~10 s at 30k, one sync reply).
    const t0 = performance.now()
    const since = all.encodeDeltaSince({})
    const ms = performance.now() - t0
    const copy = new Doc()
    copy.applyDelta(since)
    expect(copy.digest()).toBe(all.digest())
    expect(ms).toBeLessThan(1_500)
  })
})
