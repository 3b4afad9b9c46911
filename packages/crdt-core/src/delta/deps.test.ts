import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { WeftDecodeError } from '../errors.js'
import { decodeDelta, encodeDelta } from './codec.js'
import { inspectDelta } from './inspect.js'
import type { DeltaData, Deps } from './types.js'

const TEXT = { kind: 'text', name: 'body', replica: 0, counter: 0 } as const

/** A one-character insert by replica 2 that depends on `deps`. */
function keystroke(deps: Deps): DeltaData {
  return {
    isState: false,
    deps,
    ranges: [{ replica: 2, from: 0, to: 1 }],
    containers: [
      {
        id: TEXT,
        inserts: [{ replica: 2, counter: 1, len: 1, olReplica: 0, olCounter: 0, orReplica: 0, orCounter: 0, deleted: false, content: 'x' }],
        deletes: [],
        entries: [],
        counts: [],
      },
    ],
  }
}

describe('dependencies', () => {
  it('round-trip in order, with 53-bit replica ids', () => {
    const deps = { replicas: [2 ** 53 - 1, 7, 2 ** 40 + 3], counters: [5, 1, 9] }
    expect(decodeDelta(encodeDelta(keystroke(deps))).deps).toEqual(deps)
    expect(inspectDelta(encodeDelta(keystroke(deps))).deps).toEqual({ [2 ** 53 - 1]: 5, 7: 1, [2 ** 40 + 3]: 9 })
  })

  it('naming one replica twice are a decode error that changes nothing', () => {
    const bytes = encodeDelta(keystroke({ replicas: [7, 7], counters: [1, 2] }))
    expect(() => decodeDelta(bytes)).toThrow(WeftDecodeError)
    const doc = new Doc()
    expect(() => doc.applyDelta(bytes)).toThrow(WeftDecodeError)
    expect(doc.pendingCount).toBe(0)
    expect(doc.versionVector()).toEqual({})
  })

  it('hold a delta back until they are met, for each listed replica', () => {
    const a = new Doc({ replicaId: 7 })
    const b = new Doc({ replicaId: 2 ** 40 + 3 })
    const first = encodeDelta(keystroke({ replicas: [], counters: [] }))
    const sources = [a, b].map((d) => {
      const out: Uint8Array[] = []
      d.on('delta', (u) => out.push(u))
      d.getText('body').insert(0, 'ab')
      return out[0]!
    })
    const receiver = new Doc()
    const late = encodeDelta({ ...keystroke({ replicas: [7, 2 ** 40 + 3], counters: [2, 2] }), ranges: [{ replica: 2, from: 1, to: 2 }], containers: [] })
    receiver.applyDelta(first)
    receiver.applyDelta(late)
    expect(receiver.pendingCount).toBe(1)
    receiver.applyDelta(sources[0]!)
    expect(receiver.pendingCount).toBe(1)
    receiver.applyDelta(sources[1]!)
    expect(receiver.pendingCount).toBe(0)
    expect(receiver.versionVector()[2]).toBe(2)
  })
})
