import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { SAMPLE_MESSAGES } from './codec-samples.test-util.js'
import { encodeMessage } from './codec.js'
import { SyncServer } from './sync-server.js'

/** Real deltas and states to mutate. */
function corpus(): Uint8Array[] {
  const out: Uint8Array[] = []
  const d = new Doc({ replicaId: 77 })
  d.on('delta', (b) => out.push(b))
  d.getText('t').insert(0, 'hello')
  d.getMap('m').set('k', { a: [1, 2] })
  d.getList('l').push(1, 'two', null)
  d.getText('t').delete(1, 2)
  d.getCounter('c').increment(5)
  out.push(d.encodeState(), d.encodeDeltaSince({}))
  return out
}

function mutate(base: Uint8Array, edits: [number, number, number][]): Uint8Array {
  const b = [...base]
  for (const [pos, byte, op] of edits) {
    const i = b.length === 0 ? 0 : pos % b.length
    if (op === 0) b[i] = byte
    else if (op === 1) b.splice(i, 0, byte)
    else b.splice(i, 1)
  }
  return new Uint8Array(b)
}

describe('SyncServer under hostile input', () => {
  it('[ERR-2] [FRAME-3] mutated deltas and frames never throw; a refused delta changes nothing', () => {
    const deltas = corpus()
    const frames = SAMPLE_MESSAGES.map((m) => encodeMessage(m))
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 4 })
    fc.assert(
      fc.property(fc.constantFrom(...deltas), fc.constantFrom(...frames), edits, fc.boolean(), (delta, frame, e, inDelta) => {
        const s = new SyncServer<string>({ authenticate: () => ({ ok: true, principal: 'p' }) })
        s.connect(1, 0)
        s.receive(1, encodeMessage({ type: 'hello', token: '', clientName: '' }), 0)
        s.receive(1, encodeMessage({ type: 'subscribe', doc: 'd', vv: {} }), 0)
        s.loaded('d', { deltas: [{ seq: 1, bytes: deltas[0]! }] })
        const doc = s.doc('d') as Doc
        const before = JSON.stringify(doc.toJSON())
        const bad = inDelta ? encodeMessage({ type: 'delta', doc: 'd', seq: 1, delta: mutate(delta, e) }) : mutate(frame, e)
        const out = s.receive(1, bad, 0)
        // Refused (closed): nothing applied, nothing persisted.
        if (out.some((x) => x.type === 'close')) {
          expect(JSON.stringify(doc.toJSON())).toBe(before)
          expect(out.some((x) => x.type === 'persist')).toBe(false)
        }
      }),
      { numRuns: 3000 },
    )
  })
})
