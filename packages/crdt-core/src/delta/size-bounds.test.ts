import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { insertOp } from '../test-support/ops.js'
import { decodeDelta, encodeDelta } from './codec.js'
import { NO_DEPS } from './types.js'

/**
 * Decoders reject a count the remaining bytes cannot hold before allocating
 * for it. Each bound must admit the smallest encoding our own encoders
 * write, or a replica cannot read what another one sent or saved (both
 * cases below were found by long convergence runs).
 */
describe('count bounds admit the smallest legal encodings', () => {
  it('inserts that are tombstones with no origins (six bytes each) at the end of a delta', () => {
    const container = {
      id: { kind: 'text' as const, name: 't', replica: 0, counter: 0 },
      inserts: [insertOp(5, 1, 'a', [0, 0], [0, 0], true), insertOp(5, 2, 'b', [0, 0], [0, 0], true)],
      deletes: [],
      entries: [],
      counts: [],
    }
    const bytes = encodeDelta({ isState: false, deps: NO_DEPS, ranges: [{ replica: 5, from: 0, to: 2 }], containers: [container] })
    const decoded = decodeDelta(bytes)
    expect(decoded.containers[0]!.inserts.map((op) => [op.counter, op.deleted])).toEqual([
      [1, true],
      [2, true],
    ])
  })

  it('a state whose last sequence is many tombstones with implied origins (two bytes each) loads', () => {
    for (const spans of [2, 10, 200]) {
      const doc = new Doc({ replicaId: 1 })
      const other = doc.getText('other')
      const text = doc.getText('t')
      for (let i = 0; i < spans; i++) {
        text.insert(text.length, 'a')
        // Takes a counter, so the next character of `text` starts a span of its own.
        other.insert(0, 'x')
      }
      text.delete(0, text.length)
      other.delete(0, other.length)
      const copy = Doc.load(doc.encodeState())
      expect(copy.digest()).toBe(doc.digest())
      // Still joins what comes next from the source.
      const deltas: Uint8Array[] = []
      doc.on('delta', (d) => deltas.push(d))
      text.insert(0, 'ok')
      for (const d of deltas) copy.applyDelta(d)
      expect(copy.getText('t').toString()).toBe('ok')
    }
  })
})
