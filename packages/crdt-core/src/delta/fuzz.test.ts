import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { WeftCausalBufferFullError, WeftDecodeError } from '../errors.js'
import { Rng, seeds } from '../test-support/rng.js'
import { decodeVersionVector } from '../version-vector.js'

/**
 * Decoder fuzzing: random bytes and mutated valid deltas. Every input either
 * applies (a mutation can still be a valid delta) or throws WeftDecodeError
 * quickly and leaves the document exactly as it was.
 */
const CASES = Number(process.env['WEFT_FUZZ_CASES'] ?? 120_000)

function corpus(): { base: Uint8Array; samples: Uint8Array[] } {
  const a = new Doc({ replicaId: 7 })
  const samples: Uint8Array[] = []
  a.on('delta', (d) => samples.push(d))
  const t = a.getText('t')
  t.insert(0, 'hello world')
  t.delete(2, 3)
  a.getMap('m').set('k', { x: [1, 2.5, 'y'] })
  a.getMap('m').setContainer('n', 'list').push(1, null, true)
  a.getList('l').insertContainer(0, 'text').insert(0, 'ab')
  a.getCounter('c').increment(-4)
  // Big enough that its state is deflated, so the inflate path is fuzzed too.
  a.getText('long').insert(0, 'lorem ipsum dolor sit amet '.repeat(80))
  const base = a.encodeState()
  const b = Doc.load(base, { replicaId: 8 })
  b.on('delta', (d) => samples.push(d))
  b.getText('t').insert(3, 'XYZ')
  b.getMap('m').delete('k')
  // Marks and moves, so mutations reach the v2 and v3 sections (a move's sources are checked
  // before a copy is followed back to its root).
  b.getText('t').format(0, 4, { bold: true })
  b.getText('t').move(0, 4, 9)
  b.getText('t').move(5, 4, 0)
  samples.push(a.encodeState(), b.encodeDeltaSince(a.versionVector()), b.encodeDeltaSince({}), b.encodeVersionVector())
  // Format 6's wide ids (a random-size replica id) and format 5, which is still read.
  for (const [replicaId, deltaFormat] of [
    [2 ** 52 + 7, 6],
    [10, 5],
  ] as const) {
    const c = new Doc({ replicaId, deltaFormat })
    c.on('delta', (d) => samples.push(d))
    c.getText('t').insert(0, 'wide ids')
    c.getText('t').delete(1, 3)
    c.getMap('m').set('k', 1)
  }
  return { base, samples }
}

function mutate(rng: Rng, src: Uint8Array): Uint8Array {
  const bytes = Array.from(src)
  const edits = 1 + rng.int(4)
  for (let i = 0; i < edits; i++) {
    const r = rng.next()
    const at = rng.int(bytes.length + 1)
    if (r < 0.4 && bytes.length > 0) bytes[at % bytes.length] = rng.int(256)
    else if (r < 0.55) bytes.splice(at, 0, rng.int(256))
    else if (r < 0.7) bytes.splice(at, 1 + rng.int(4))
    else if (r < 0.8)
      bytes.length = at // truncate
    else if (r < 0.9 && bytes.length > 0)
      bytes[at % bytes.length] = 0xff // huge varint byte
    else bytes.splice(at, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f) // a varint claiming 2^53 items
  }
  return Uint8Array.from(bytes)
}

describe('decoder fuzzing', () => {
  it(`${CASES} random and mutated inputs: typed errors only, doc unchanged on error`, () => {
    const { base, samples } = corpus()
    let doc = Doc.load(base, { replicaId: 9 })
    let fingerprint = JSON.stringify([doc.toJSON(), doc.versionVector(), doc.pendingCount])
    let rejected = 0
    for (const seed of seeds(1)) {
      const rng = new Rng(seed)
      for (let i = 0; i < CASES; i++) {
        const input = rng.chance(0.2) ? Uint8Array.from({ length: rng.int(48) }, () => rng.int(256)) : mutate(rng, rng.pick(samples))
        try {
          doc.applyDelta(input)
        } catch (e) {
          if (!(e instanceof WeftDecodeError) && !(e instanceof WeftCausalBufferFullError)) {
            throw new Error(`case ${i} (seed ${seed}) threw ${String(e)} for ${Buffer.from(input).toString('hex')}`, { cause: e })
          }
          rejected++
          const now = JSON.stringify([doc.toJSON(), doc.versionVector(), doc.pendingCount])
          if (now !== fingerprint) throw new Error(`case ${i} (seed ${seed}) changed the doc before failing: ${Buffer.from(input).toString('hex')}`)
          continue
        }
        // A mutation that still decodes may legitimately apply: start again from the base.
        const now = JSON.stringify([doc.toJSON(), doc.versionVector(), doc.pendingCount])
        if (now !== fingerprint) {
          doc = Doc.load(base, { replicaId: 9 })
          fingerprint = JSON.stringify([doc.toJSON(), doc.versionVector(), doc.pendingCount])
        }
        try {
          decodeVersionVector(input)
        } catch (e) {
          if (!(e instanceof WeftDecodeError)) throw e
        }
      }
    }
    expect(rejected).toBeGreaterThan(CASES / 2)
  }, 120_000)

  it('a varint claiming 2^53 items fails fast without allocating', () => {
    const bytes = Uint8Array.from([1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f])
    const t0 = performance.now()
    expect(() => new Doc().applyDelta(bytes)).toThrow(WeftDecodeError)
    expect(performance.now() - t0).toBeLessThan(50)
  })

  it.each([3, 4] as const)('rejects unknown format versions and container kinds with their codes (written as format %s)', (deltaFormat) => {
    const doc = new Doc()
    const good = (() => {
      const d = new Doc({ replicaId: 3, deltaFormat })
      let out: Uint8Array = new Uint8Array()
      d.on('delta', (x) => (out = x))
      d.getText('t').insert(0, 'a')
      return out
    })()
    const badVersion = good.slice()
    badVersion[0] = 9
    expect(() => doc.applyDelta(badVersion)).toThrow(expect.objectContaining({ code: 'bad-version' }))
    expect(() => doc.applyDelta(good.slice(0, good.length - 1))).toThrow(expect.objectContaining({ code: 'truncated' }))
    // version, flags, 1 replica (id 3), 0 deps, 1 range (ref 1, from 0, len 1), 1 container, then its
    // kind byte (in v4 the kind shifted left by 3, with the tag bits: text << 3, root).
    const kindAt = 10
    expect(Array.from(good.slice(0, kindAt + 1))).toEqual([deltaFormat === 4 ? 4 : 1, 0, 1, 3, 0, 1, 1, 0, 1, 1, deltaFormat === 4 ? 8 : 1])
    const badKind = good.slice()
    badKind[kindAt] = 77
    expect(() => doc.applyDelta(badKind)).toThrow(expect.objectContaining({ code: 'unknown-kind' }))
    expect(doc.toJSON()).toEqual({})
  })
})
