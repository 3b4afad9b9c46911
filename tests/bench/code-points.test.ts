/**
 * Trace positions count code points; the libraries count UTF-16 units. The conversion must leave
 * the shipped (BMP-only) traces alone and make traces with emoji replay to their endContent.
 */
import { seededRandom } from '@weft/crdt-core'
import { describe, expect, it } from 'vitest'
import { weft } from '../../bench/crdt/adapters/weft.js'
import type { AnyAdapter } from '../../bench/crdt/adapters/types.js'
import { yjs } from '../../bench/crdt/adapters/yjs.js'
import { Utf16Patcher, concurrentToUtf16, sequentialToUtf16 } from '../../bench/crdt/code-points.js'
import { planReplay, replay } from '../../bench/crdt/concurrent.js'
import type { ConcurrentTrace, Patch, SequentialTrace } from '../../bench/crdt/traces.js'

/** Weft and one peer that also indexes UTF-16 units. */
const ADAPTERS: AnyAdapter[] = [weft, yjs]

const PIECES = ['a', 'b', 'é', '😀', '𝄞', '\u{1F469}\u{200D}\u{1F52C}', 'xy']

/** Applies a code-point patch to a text held as an array of code points (the traces' model). */
function applyCodePoints(text: string[], [pos, del, ins]: Patch): void {
  text.splice(pos, del, ...ins)
}

/** Applies a UTF-16 patch the way the libraries index strings. */
function applyUtf16(text: string, [pos, del, ins]: Patch): string {
  return text.slice(0, pos) + ins + text.slice(pos + del)
}

describe('Utf16Patcher', () => {
  it('rewrites random code-point edits among astral characters so UTF-16 replay gives the same text', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededRandom(seed)
      const model: string[] = []
      let utf16 = ''
      const patcher = new Utf16Patcher()
      for (let step = 0; step < 60; step++) {
        const pos = Math.floor(random() * (model.length + 1))
        const del = random() < 0.4 ? Math.floor(random() * (model.length - pos + 1)) : 0
        let ins = ''
        const n = random() < 0.8 ? 1 + Math.floor(random() * 3) : 0
        for (let k = 0; k < n; k++) ins += PIECES[Math.floor(random() * PIECES.length)]!
        if (del === 0 && ins === '') continue
        const patch: Patch = [pos, del, ins]
        applyCodePoints(model, patch)
        utf16 = applyUtf16(utf16, patcher.convert(patch))
        expect(utf16, `seed ${seed}, step ${step}`).toBe(model.join(''))
      }
    }
  })

  it('starts from an existing text', () => {
    const patcher = new Utf16Patcher('😀a😀b')
    // Code point 3 is 'b' (UTF-16 index 5): delete it and insert after the second emoji.
    expect(patcher.convert([3, 1, 'c'])).toEqual([5, 1, 'c'])
    expect(patcher.convert([0, 2, ''])).toEqual([0, 3, ''])
  })
})

describe('sequentialToUtf16', () => {
  it('returns a trace without astral characters unchanged', () => {
    const trace: SequentialTrace = { startContent: '', endContent: 'hé', txns: [{ patches: [[0, 0, 'hé']] }] }
    expect(sequentialToUtf16(trace)).toBe(trace)
  })

  it('converts a trace with emoji so every library reaches endContent', () => {
    const trace: SequentialTrace = {
      startContent: '',
      endContent: 'x😀cb',
      txns: [
        { patches: [[0, 0, '😀ab']] },
        {
          patches: [
            [2, 1, 'cb'],
            [0, 2, 'x😀'],
          ],
        },
      ],
    }
    const converted = sequentialToUtf16(trace)
    for (const adapter of ADAPTERS) {
      const { doc } = adapter.localApply(converted)
      expect(adapter.text(doc), adapter.name).toBe(trace.endContent)
    }
  })
})

describe('concurrentToUtf16', () => {
  // Agent 1 types after what it saw; agent 0 types between the emoji and 'a' meanwhile.
  const trace: ConcurrentTrace = {
    kind: 'concurrent',
    numAgents: 2,
    endContent: '😀cab',
    txns: [
      { parents: [], agent: 0, patches: [[0, 0, '😀a']] },
      { parents: [0], agent: 1, patches: [[2, 0, 'b']] },
      { parents: [0], agent: 0, patches: [[1, 0, 'c']] },
    ],
  }

  it('converts each txn against its agent text, so the merge replays to endContent', () => {
    const converted = concurrentToUtf16(trace, weft.replicas)
    expect(converted.txns.map((t) => t.patches)).toEqual([[[0, 0, '😀a']], [[3, 0, 'b']], [[2, 0, 'c']]])
    for (const adapter of ADAPTERS) {
      const replicas = replay(adapter.replicas, planReplay(converted))
      for (const r of replicas) expect(adapter.replicas.text(r), adapter.name).toBe(trace.endContent)
    }
  })

  it('returns a trace without astral characters unchanged', () => {
    const plain: ConcurrentTrace = { ...trace, txns: [{ parents: [], agent: 0, patches: [[0, 0, 'a']] }], numAgents: 1 }
    expect(concurrentToUtf16(plain, weft.replicas)).toBe(plain)
  })
})
