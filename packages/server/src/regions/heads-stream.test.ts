import { constants, createDeflateRaw, createInflateRaw } from 'node:zlib'
import { Doc, inspectDelta } from '@weft/crdt-core'
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../store/memory-store.js'
import { DocDigests, diverged } from './doc-digests.js'
import { type HeadsFrame, HeadsFrameDecoder, HeadsFrameEncoder } from './heads-stream.js'

function deltasOf(n: number): Uint8Array[] {
  const doc = new Doc()
  const out: Uint8Array[] = []
  doc.on('delta', (bytes: Uint8Array) => out.push(bytes.slice()))
  for (let i = 0; i < n; i++) doc.getList('set').push(`e${i}`)
  return out
}

describe('heads stream wire ([REGION-1])', () => {
  it('frames round-trip whatever the chunking, doc names interned after the first mention', () => {
    const ds = deltasOf(3)
    const frames: HeadsFrame[] = [
      { full: true, heads: [{ doc: 'notes:1', seq: 7, vv: { 12345678901: 7 }, deltas: [] }], token: undefined },
      { full: false, heads: [{ doc: 'notes:1', seq: 9, vv: undefined, deltas: ds.slice(0, 2) }], token: undefined },
      { full: false, heads: [], token: undefined },
      { full: false, heads: [{ doc: 'notes:1', seq: 10, vv: undefined, deltas: ds.slice(2) }], token: 'abc' },
    ]
    const enc = new HeadsFrameEncoder()
    const bytes = frames.map((f) => enc.encode(f))
    // The second mention of the doc costs one byte for its name, not its length.
    expect(bytes[3]!.length, 'flags, token, one-byte doc ref, seq, no vv, one delta').toBeLessThanOrEqual(ds[2]!.length + 12)
    const all = Buffer.concat(bytes)
    for (const step of [1, 3, 7, all.length]) {
      const dec = new HeadsFrameDecoder()
      const got: HeadsFrame[] = []
      for (let i = 0; i < all.length; i += step) got.push(...dec.push(all.subarray(i, i + step)))
      expect(got).toEqual(frames)
    }
  })

  it('a deflate stream flushed per frame delivers each frame as soon as it is flushed', async () => {
    const ds = deltasOf(20)
    const enc = new HeadsFrameEncoder()
    const deflate = createDeflateRaw()
    const inflate = createInflateRaw()
    const dec = new HeadsFrameDecoder()
    let wire = 0
    deflate.on('data', (c: Buffer) => {
      wire += c.length
      inflate.write(c)
    })
    const got: HeadsFrame[] = []
    inflate.on('data', (c: Buffer) => got.push(...dec.push(c)))
    for (let i = 0; i < ds.length; i++) {
      deflate.write(enc.encode({ full: false, heads: [{ doc: 'bench:lag', seq: i + 1, vv: undefined, deltas: [ds[i]!] }], token: undefined }))
      await new Promise<void>((r) => deflate.flush(constants.Z_SYNC_FLUSH, () => r()))
      await new Promise((r) => setTimeout(r, 5))
      expect(got.length, `frame ${i} arrived on its flush`).toBe(i + 1)
    }
    const deltaBytes = ds.reduce((s, d) => s + d.length, 0)
    expect(wire / deltaBytes, 'stream bytes against the deltas own').toBeLessThan(1.2)
  })
})

describe('DocDigests ([REGION-5])', () => {
  it('equal heads with different stored states are a divergence, and joining the peer state heals it', async () => {
    const ds = deltasOf(6)
    const good = new MemoryStore()
    const bad = new MemoryStore()
    for (const d of ds) await good.append('d', { bytes: d, ranges: inspectDelta(d).ranges })
    // Behind the protocol's back: delta 2 is lost, its dots still counted in the head.
    for (const [i, d] of ds.entries()) {
      if (i === 2) continue
      const ranges = i === 3 ? [...inspectDelta(ds[2]!).ranges, ...inspectDelta(d).ranges] : inspectDelta(d).ranges
      await bad.append('d', { bytes: d, ranges })
    }
    const g = new DocDigests(good)
    const b = new DocDigests(bad)
    expect((await g.digest('d')).vv).toEqual((await b.digest('d')).vv)
    expect(diverged(await g.digest('d'), await b.digest('d'))).toBe(true)
    const state = await g.state('d')
    expect(await b.changes('d', state)).toBe(true)
    expect(await g.changes('d', await b.state('d'))).toBe(false)
    await bad.append('d', { bytes: state, ranges: inspectDelta(state).ranges })
    expect(diverged(await g.digest('d'), await b.digest('d'))).toBe(false)
    expect((await b.digest('d')).digest).toBe((await g.digest('d')).digest)
  })
})
