import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { UndoManager } from '../undo/undo-manager.js'
import { DELTA_FORMAT_VERSION, decodeDelta, encodeDelta } from '../delta/codec.js'

/**
 * [MOVE-1] A moved range appears once on every replica, whatever moves,
 * deletes and inserts ran concurrently and in whatever order they arrive;
 * the replicas converge. Replay the property with WEFT_MOVES_SEED=<seed>
 * (WEFT_MOVES_RUNS sets how many schedules).
 */

const RUNS = Number(process.env['WEFT_MOVES_RUNS'] ?? 150)
const SEED = Number(process.env['WEFT_MOVES_SEED'] ?? 2026)

/** Replicas that start from one state and exchange deltas only when told. */
function replicas(n: number, initial: string): { docs: Doc[]; inbox: Uint8Array[][]; sync: () => void } {
  const seed = new Doc({ replicaId: 100 })
  seed.getText('t').insert(0, initial)
  const base = seed.encodeState()
  const docs = Array.from({ length: n }, (_, i) => Doc.load(base, { replicaId: i + 1 }))
  const inbox: Uint8Array[][] = docs.map(() => [])
  docs.forEach((d, i) =>
    d.on('delta', (bytes) => {
      for (let j = 0; j < n; j++) if (j !== i) inbox[j]!.push(bytes)
    }),
  )
  const sync = () =>
    docs.forEach((d, i) => {
      for (const bytes of inbox[i]!.splice(0)) d.applyDelta(bytes)
    })
  return { docs, inbox, sync }
}

const text = (d: Doc) => d.getText('t').toString()

describe('[MOVE-1] text.move', () => {
  it('moves a range with its marks, as one delta of the newest format version', () => {
    const doc = new Doc({ replicaId: 1 })
    const deltas: Uint8Array[] = []
    doc.on('delta', (d) => deltas.push(d))
    const t = doc.getText('t')
    t.insert(0, 'one\ntwo\nthree\n')
    t.format(4, 3, { bold: true })
    t.move(4, 4, 0)
    expect(t.toString()).toBe('two\none\nthree\n')
    expect(t.toDelta()).toEqual([{ insert: 'two', attributes: { bold: true } }, { insert: '\none\nthree\n' }])
    t.move(0, 4, 14)
    expect(t.toString()).toBe('one\nthree\ntwo\n')
    expect(deltas.at(-1)![0]).toBe(DELTA_FORMAT_VERSION)
    // A copy placed just after a growing mark does not take it.
    const u = new Doc({ replicaId: 2 }).getText('t')
    u.insert(0, 'a\nb\n')
    u.format(0, 1, { bold: true })
    u.move(2, 2, 1)
    expect(u.toDelta()).toEqual([{ insert: 'a', attributes: { bold: true } }, { insert: 'b\n\n' }])
  })

  it('refuses a target inside the moved range, and a range past the end, with a RangeError and no change', () => {
    const doc = new Doc({ replicaId: 1 })
    const t = doc.getText('t')
    t.insert(0, 'abcdef')
    expect(() => t.move(1, 3, 2)).toThrow(RangeError)
    expect(() => t.move(4, 5, 0)).toThrow(RangeError)
    expect(() => t.move(0, 1, 7)).toThrow(RangeError)
    expect(t.toString()).toBe('abcdef')
  })

  it('two concurrent moves of one block leave it once, at the later move, in either arrival order', () => {
    const { docs, sync } = replicas(2, 'A\nB\nC\nD\n')
    docs[0]!.getText('t').move(0, 2, 8) // A to the end
    docs[1]!.getText('t').move(0, 2, 4) // A after B
    sync()
    expect(text(docs[0]!)).toBe(text(docs[1]!))
    expect(text(docs[0]!).split('A').length - 1).toBe(1)
    // Replica 2's move carries the same lamport and the higher replica id: it wins.
    expect(text(docs[0]!)).toBe('B\nA\nC\nD\n')
  })

  it('a later move of the copy and a concurrent move of the original still leave one block', () => {
    const { docs, inbox, sync } = replicas(3, 'A\nB\nC\n')
    docs[0]!.getText('t').move(0, 2, 6) // B C A
    docs[1]!.applyDelta(inbox[1]!.shift()!)
    inbox[1]!.length = 0
    docs[1]!.getText('t').move(4, 2, 2) // B A C, moving replica 1's copy on
    docs[2]!.getText('t').move(0, 2, 4) // concurrent: B A C from the original
    sync()
    sync()
    for (const d of docs) expect(text(d)).toBe(text(docs[0]!))
    expect(text(docs[0]!).split('A').length - 1).toBe(1)
  })

  it('a move wins over a concurrent delete of the block; an insert into it stays where it was typed', () => {
    const { docs, sync } = replicas(2, 'A\nB\nC\n')
    docs[0]!.getText('t').move(2, 2, 6) // B to the end
    docs[1]!.getText('t').delete(2, 2) // B deleted
    sync()
    expect(text(docs[0]!)).toBe('A\nC\nB\n')
    expect(text(docs[1]!)).toBe(text(docs[0]!))

    const two = replicas(2, 'A\nB\nC\n')
    two.docs[0]!.getText('t').move(2, 2, 6)
    two.docs[1]!.getText('t').insert(3, '!')
    two.sync()
    expect(text(two.docs[0]!)).toBe(text(two.docs[1]!))
    expect(text(two.docs[0]!)).toBe('A\n!C\nB\n')
  })

  it('a delete of the moved block after the move removes it everywhere', () => {
    const { docs, sync } = replicas(2, 'A\nB\nC\n')
    docs[0]!.getText('t').move(0, 2, 6)
    sync()
    docs[1]!.getText('t').delete(4, 2)
    sync()
    expect(text(docs[0]!)).toBe('B\nC\n')
    expect(text(docs[1]!)).toBe('B\nC\n')
  })

  it('a cursor in the moved block follows it', () => {
    const doc = new Doc({ replicaId: 1 })
    const t = doc.getText('t')
    t.insert(0, 'one\ntwo\n')
    const cursor = t.cursor(5) // before the 'w' of two
    t.move(4, 4, 0)
    expect(t.cursorIndex(cursor)).toBe(1)
    expect(t.toString()[t.cursorIndex(cursor)]).toBe('w')
  })

  it('undo puts the block back, with what was typed into it since; redo moves it again', () => {
    const doc = new Doc({ replicaId: 1 })
    const t = doc.getText('t')
    t.insert(0, 'one\ntwo\nthree\n')
    const undo = new UndoManager(doc, { captureTimeout: 0 })
    t.move(8, 6, 0)
    expect(t.toString()).toBe('three\none\ntwo\n')
    undo.stopCapturing()
    undo.undo()
    expect(t.toString()).toBe('one\ntwo\nthree\n')
    undo.redo()
    expect(t.toString()).toBe('three\none\ntwo\n')
  })

  it('a state keeps its moves: a peer that loads it still resolves a concurrent move of the same block', () => {
    const { docs, sync } = replicas(2, 'A\nB\nC\n')
    docs[0]!.getText('t').move(0, 2, 6)
    docs[1]!.getText('t').move(0, 2, 4)
    const loaded = Doc.load(docs[0]!.encodeState(), { replicaId: 9 })
    loaded.applyDelta(docs[1]!.encodeDeltaSince(loaded.versionVector()))
    sync()
    expect(text(loaded)).toBe(text(docs[0]!))
    expect(text(loaded).split('A').length - 1).toBe(1)
  })

  it('a move whose source is its own copy is refused with a typed error and changes nothing', () => {
    const doc = new Doc({ replicaId: 1 })
    const deltas: Uint8Array[] = []
    doc.on('delta', (d) => deltas.push(d))
    doc.getText('t').insert(0, 'ab\ncd\n')
    doc.getText('t').move(0, 3, 6)
    const peer = new Doc({ replicaId: 2 })
    peer.applyDelta(deltas[0]!)
    const before = peer.encodeState()
    // The move's source rewritten to its own copy: following sources to a root would never end.
    const data = decodeDelta(deltas[1]!)
    const move = data.containers[0]!.moves![0]!
    move.sources = [{ replica: 1, counter: move.target, len: move.len }]
    const bad = encodeDelta(data)
    expect(() => peer.applyDelta(bad)).toThrow(expect.objectContaining({ code: 'invalid' }))
    expect(peer.encodeState()).toEqual(before)
  })
})

type Step =
  | { kind: 'insert'; replica: number; at: number; len: number }
  | { kind: 'delete'; replica: number; at: number; len: number }
  | { kind: 'move'; replica: number; at: number; len: number; to: number }
  | { kind: 'format'; replica: number; at: number; len: number; value: true | null }
  | { kind: 'deliver'; replica: number; pick: number; dup: boolean }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), replica: fc.nat(2), at: fc.nat(200), len: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), replica: fc.nat(2), at: fc.nat(200), len: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('move' as const), replica: fc.nat(2), at: fc.nat(200), len: fc.integer({ min: 1, max: 6 }), to: fc.nat(200) }),
  fc.record({ kind: fc.constant('move' as const), replica: fc.nat(2), at: fc.nat(200), len: fc.integer({ min: 1, max: 6 }), to: fc.nat(200) }),
  fc.record({
    kind: fc.constant('format' as const),
    replica: fc.nat(2),
    at: fc.nat(200),
    len: fc.integer({ min: 1, max: 5 }),
    value: fc.constantFrom(true as const, null),
  }),
  fc.record({ kind: fc.constant('deliver' as const), replica: fc.nat(2), pick: fc.nat(1000), dup: fc.boolean() }),
  fc.record({ kind: fc.constant('deliver' as const), replica: fc.nat(2), pick: fc.nat(1000), dup: fc.boolean() }),
)

function run(steps: Step[]): void {
  // Every character typed is unique, so a duplicate shows as a repeated character.
  let next = 0
  const fresh = (len: number) => Array.from({ length: len }, () => String.fromCharCode(0x4e00 + next++)).join('')
  const { docs, inbox } = replicas(3, fresh(12))
  for (const s of steps) {
    const doc = docs[s.replica]!
    const t = doc.getText('t')
    if (s.kind === 'insert') t.insert(s.at % (t.length + 1), fresh(s.len))
    else if (s.kind === 'delete') {
      if (t.length === 0) continue
      const at = s.at % t.length
      t.delete(at, Math.min(s.len, t.length - at))
    } else if (s.kind === 'move') {
      if (t.length === 0) continue
      const at = s.at % t.length
      const len = Math.min(s.len, t.length - at)
      const to = s.to % (t.length + 1)
      if (to > at && to < at + len) continue
      t.move(at, len, to)
    } else if (s.kind === 'format') {
      if (t.length === 0) continue
      const at = s.at % t.length
      t.format(at, Math.min(s.len, t.length - at), { bold: s.value })
    } else {
      const box = inbox[s.replica]!
      if (box.length === 0) continue
      const i = s.pick % box.length
      doc.applyDelta(box[i]!)
      if (!s.dup) box.splice(i, 1)
      // No replica ever shows a character twice, even before it has everything.
      const seen = text(doc)
      expect(new Set(seen).size).toBe(seen.length)
    }
  }
  // Everything arrives in the end, in reverse for good measure.
  docs.forEach((d, i) => {
    for (const bytes of inbox[i]!.splice(0).reverse()) d.applyDelta(bytes)
  })
  const final = text(docs[0]!)
  const spans = docs[0]!.getText('t').toDelta()
  for (const d of docs) {
    expect(d.pendingCount).toBe(0)
    expect(d.getText('t').toDelta()).toEqual(spans)
    expect(d.digest()).toBe(docs[0]!.digest())
  }
  expect(new Set(final).size).toBe(final.length)
  expect(Doc.load(docs[1]!.encodeState(), { replicaId: 50 }).getText('t').toDelta()).toEqual(spans)
  // A catch-up from the start carries hidden copies as bare ids: it rebuilds the same text.
  const caughtUp = new Doc({ replicaId: 51 })
  caughtUp.applyDelta(docs[2]!.encodeDeltaSince({}))
  expect(caughtUp.getText('t').toDelta()).toEqual(spans)
}

describe('[MOVE-1] moves converge under random concurrent schedules', () => {
  it(`insert/delete/move/format on three replicas converge, no character twice (seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 60 }), (steps) => run(steps)),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
