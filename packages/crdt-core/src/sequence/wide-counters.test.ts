import { describe, expect, it } from 'vitest'
import { encodeDelta } from '../delta/codec.js'
import { NO_DEPS } from '../delta/types.js'
import { Doc } from '../doc/doc.js'

const TEXT = { kind: 'text', name: 'body', replica: 0, counter: 0 } as const
const BIG = 2 ** 31 + 5

/**
 * A state from replica 3 whose text items have counters past 2^31 (its
 * earlier dots went to other ops), the way a long-lived replica's would.
 */
function bigCounterState(): Uint8Array {
  return encodeDelta({
    isState: true,
    deps: NO_DEPS,
    ranges: [{ replica: 3, from: 0, to: BIG + 4 }],
    containers: [
      {
        id: TEXT,
        inserts: [{ replica: 3, counter: BIG, len: 5, olReplica: 0, olCounter: 0, orReplica: 0, orCounter: 0, deleted: false, content: 'hello' }],
        deletes: [],
        entries: [],
        counts: [],
      },
    ],
  })
}

describe('counters past 2^31', () => {
  for (const into of ['an empty doc', 'a doc with history'] as const) {
    it(`stay exact in ${into}: edits around them, deletes, and a state round trip`, () => {
      const doc = new Doc({ replicaId: 1 })
      const text = doc.getText('body')
      if (into === 'a doc with history') text.insert(0, '> ')
      doc.applyDelta(bigCounterState())
      const prefix = into === 'an empty doc' ? '' : '> '
      expect(text.toString()).toBe(`${prefix}hello`)

      // Insert inside the big-counter run (a split), delete across it, type after it.
      text.insert(prefix.length + 2, '--')
      text.delete(prefix.length + 4, 2)
      text.insert(text.length, '!')
      expect(text.toString()).toBe(`${prefix}he--o!`)

      // Another replica that loads this state sees the same text and ids.
      const copy = Doc.load(doc.encodeState(), { replicaId: 4 })
      expect(copy.getText('body').toString()).toBe(text.toString())
      expect(copy.digest()).not.toBe('')
      const later: Uint8Array[] = []
      copy.on('delta', (d) => later.push(d))
      copy.getText('body').insert(prefix.length + 1, '*')
      for (const d of later) doc.applyDelta(d)
      expect(text.toString()).toBe(`${prefix}h*e--o!`)
      expect(doc.versionVector()[3]).toBe(BIG + 4)
    })
  }
})

describe('more than 65,535 replicas in one sequence', () => {
  it('widens the replica ref columns and keeps every item in place', () => {
    const n = 70_000
    // A state whose text is one character from each of n replicas, in replica order.
    const inserts = []
    const ranges = []
    let expected = ''
    for (let i = 0; i < n; i++) {
      const replica = 1000 + i
      const ch = String.fromCharCode(97 + (i % 26))
      inserts.push({
        replica,
        counter: 1,
        len: 1,
        olReplica: i === 0 ? 0 : replica - 1,
        olCounter: i === 0 ? 0 : 1,
        orReplica: 0,
        orCounter: 0,
        deleted: false,
        content: ch,
      })
      ranges.push({ replica, from: 0, to: 1 })
      expected += ch
    }
    const state = encodeDelta({ isState: true, deps: NO_DEPS, ranges, containers: [{ id: TEXT, inserts, deletes: [], entries: [], counts: [] }] })
    const doc = Doc.load(state, { replicaId: 1 })
    const text = doc.getText('body')
    // Edits near the end need lookups by the widest refs.
    text.insert(n, '!')
    text.delete(n - 1, 1)
    text.insert(n - 5, '?')
    expected = `${expected.slice(0, n - 5)}?${expected.slice(n - 5, n - 1)}!`
    expect(text.toString()).toBe(expected)
    expect(Doc.load(doc.encodeState()).getText('body').toString()).toBe(expected)
  })
})
