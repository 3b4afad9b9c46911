import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import type { WeftText } from '../containers/text.js'
import type { JsonValue } from '../values.js'
import type { TextSpan } from './marks.js'
import type { TextDelta } from './text-delta.js'

/**
 * [TEXT-DELTA-1] A change event's `textDelta(text)` turns the text as it was
 * before the event into the text as it is after: applying it to a copy kept
 * only from earlier deltas gives exactly `toDelta()`, characters and marks,
 * for local transactions and for remote deltas joined in any order.
 */

interface Char {
  ch: string
  attrs: Record<string, JsonValue>
}

/** Applies a delta to a copy of a text (the consumer's side: what an editor binding does). */
function applyDelta(chars: Char[], delta: TextDelta): Char[] {
  const out: Char[] = []
  let i = 0
  for (const op of delta) {
    if ('insert' in op) {
      for (const ch of op.insert) out.push({ ch, attrs: { ...op.attributes } })
    } else if ('delete' in op) {
      expect(i + op.delete, 'a delete past the end').toBeLessThanOrEqual(chars.length)
      i += op.delete
    } else {
      expect(i + op.retain, 'a retain past the end').toBeLessThanOrEqual(chars.length)
      for (let k = 0; k < op.retain; k++) {
        const c = chars[i++]!
        const attrs = { ...c.attrs }
        for (const [key, value] of Object.entries(op.attributes ?? {})) {
          if (value === null) delete attrs[key]
          else attrs[key] = value
        }
        out.push({ ch: c.ch, attrs })
      }
    }
  }
  while (i < chars.length) out.push(chars[i++]!)
  return out
}

function charsOf(spans: TextSpan[]): Char[] {
  const out: Char[] = []
  for (const s of spans) for (const ch of s.insert) out.push({ ch, attrs: { ...s.attributes } })
  return out
}

/** Keeps a copy of `text` from its change events alone. */
function follow(doc: Doc, text: WeftText): { chars: Char[]; events: number } {
  const copy = { chars: charsOf(text.toDelta()), events: 0 }
  doc.on('change', (e) => {
    const delta = e.textDelta(text)
    if (!e.containers.has(text)) {
      expect(delta).toBeNull()
      return
    }
    expect(delta, 'a changed text has a delta').not.toBeNull()
    copy.chars = applyDelta(copy.chars, delta!)
    copy.events++
  })
  return copy
}

describe('[TEXT-DELTA-1] change events carry text deltas', () => {
  it('a remote keystroke, a remote delete and a remote format are a retain and one op', () => {
    const a = new Doc({ replicaId: 1 })
    const b = new Doc({ replicaId: 2 })
    const ta = a.getText('t')
    ta.insert(0, 'hello world')
    b.applyDelta(a.encodeState())
    const seen: (TextDelta | null)[] = []
    const tb = b.getText('t')
    b.on('change', (e) => seen.push(e.textDelta(tb)))
    a.on('delta', (bytes) => b.applyDelta(bytes))
    ta.insert(5, '!')
    ta.delete(0, 1)
    ta.format(1, 3, { bold: true })
    ta.unformat(2, 1, 'bold')
    expect(seen).toEqual([
      [{ retain: 5 }, { insert: '!' }],
      [{ delete: 1 }],
      [{ retain: 1 }, { retain: 3, attributes: { bold: true } }],
      [{ retain: 2 }, { retain: 1, attributes: { bold: null } }],
    ])
  })

  it('text typed at the end of a bold run carries bold; a local transaction is one delta', () => {
    const doc = new Doc({ replicaId: 1 })
    const t = doc.getText('t')
    t.insert(0, 'abc def')
    t.format(0, 3, { bold: true })
    const seen: (TextDelta | null)[] = []
    doc.on('change', (e) => seen.push(e.textDelta(t)))
    doc.transact(() => {
      t.insert(3, 'XY')
      t.delete(0, 1)
      t.insert(7, '!')
    })
    expect(seen).toEqual([[{ delete: 1 }, { retain: 2 }, { insert: 'XY', attributes: { bold: true } }, { retain: 3 }, { insert: '!' }]])
  })

  it('a state loaded into an empty text is one insert per run; other containers have no delta', () => {
    const a = new Doc({ replicaId: 1 })
    const t = a.getText('t')
    t.insert(0, 'one two')
    t.format(0, 3, { italic: true })
    a.getMap('m').set('k', 1)
    const b = new Doc({ replicaId: 2 })
    const deltas: (TextDelta | null)[] = []
    const tb = b.getText('t')
    const other = b.getText('other')
    b.on('change', (e) => {
      deltas.push(e.textDelta(tb))
      expect(e.textDelta(other)).toBeNull()
    })
    b.applyDelta(a.encodeState())
    expect(deltas).toEqual([[{ insert: 'one', attributes: { italic: true } }, { insert: ' two' }]])
  })

  it('a transaction of thousands of edits is replaced wholesale, and still exact', () => {
    const doc = new Doc({ replicaId: 1 })
    const t = doc.getText('t')
    t.insert(0, 'x'.repeat(100))
    const copy = follow(doc, t)
    doc.transact(() => {
      for (let i = 0; i < 2000; i++) t.insert((i * 37) % t.length, String(i % 10))
      t.delete(10, 50)
    })
    expect(copy.chars).toEqual(charsOf(t.toDelta()))
  })

  type Step =
    | { kind: 'insert'; replica: number; at: number; text: string }
    | { kind: 'delete'; replica: number; at: number; len: number }
    | { kind: 'format'; replica: number; at: number; len: number; key: string; value: string | boolean | null }
    | { kind: 'batch'; replica: number; n: number; at: number }
    | { kind: 'deliver'; replica: number; pick: number; dup: boolean }

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), replica: fc.nat(2), at: fc.nat(200), text: fc.string({ minLength: 1, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('delete' as const), replica: fc.nat(2), at: fc.nat(200), len: fc.integer({ min: 1, max: 5 }) }),
    fc.record({
      kind: fc.constant('format' as const),
      replica: fc.nat(2),
      at: fc.nat(200),
      len: fc.integer({ min: 1, max: 8 }),
      key: fc.constantFrom('bold', 'italic', 'link'),
      value: fc.oneof(fc.constant(true), fc.constant(null), fc.constantFrom('a', 'b')),
    }),
    fc.record({ kind: fc.constant('batch' as const), replica: fc.nat(2), n: fc.integer({ min: 2, max: 6 }), at: fc.nat(200) }),
    fc.record({ kind: fc.constant('deliver' as const), replica: fc.nat(2), pick: fc.nat(1000), dup: fc.boolean() }),
  )

  it('seeded schedules: every replica rebuilds its text from deltas alone, local and remote, late, reordered and duplicated', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const seed = new Doc({ replicaId: 100 })
        seed.getText('t').insert(0, 'hello world')
        const base = seed.encodeState()
        const docs = [0, 1, 2].map((i) => Doc.load(base, { replicaId: i + 1 }))
        const copies = docs.map((d) => follow(d, d.getText('t')))
        const inbox: Uint8Array[][] = [[], [], []]
        docs.forEach((d, i) =>
          d.on('delta', (bytes) => {
            for (let j = 0; j < 3; j++) if (j !== i) inbox[j]!.push(bytes)
          }),
        )
        const edit = (t: WeftText, s: Exclude<Step, { kind: 'deliver' | 'batch' }>) => {
          if (s.kind === 'insert') t.insert(s.at % (t.length + 1), s.text)
          else if (t.length === 0) return
          else if (s.kind === 'delete') {
            const at = s.at % t.length
            t.delete(at, Math.min(s.len, t.length - at))
          } else {
            const at = s.at % t.length
            t.format(at, Math.min(s.len, t.length - at), { [s.key]: s.value })
          }
        }
        for (const s of steps) {
          const doc = docs[s.replica]!
          const t = doc.getText('t')
          if (s.kind === 'deliver') {
            const box = inbox[s.replica]!
            if (box.length === 0) continue
            const i = s.pick % box.length
            const bytes = s.dup ? box[i]! : box.splice(i, 1)[0]!
            doc.applyDelta(bytes)
          } else if (s.kind === 'batch') {
            // One transaction of mixed edits: its delta composes them.
            doc.transact(() => {
              for (let k = 0; k < s.n; k++) {
                const at = s.at + k * 7
                if (k % 3 === 0) edit(t, { kind: 'insert', replica: s.replica, at, text: 'ab' })
                else if (k % 3 === 1) edit(t, { kind: 'delete', replica: s.replica, at, len: 2 })
                else edit(t, { kind: 'format', replica: s.replica, at, len: 3, key: 'bold', value: k % 2 === 0 })
              }
            })
          } else edit(t, s)
          for (let i = 0; i < 3; i++) expect(copies[i]!.chars).toEqual(charsOf(docs[i]!.getText('t').toDelta()))
        }
        for (let i = 0; i < 3; i++) for (const bytes of inbox[i]!.splice(0)) docs[i]!.applyDelta(bytes)
        for (let i = 0; i < 3; i++) expect(copies[i]!.chars).toEqual(charsOf(docs[i]!.getText('t').toDelta()))
        // Marks kept up to date edit by edit resolve as a fresh load does.
        const fresh = Doc.load(docs[0]!.encodeState()).getText('t')
        expect(docs[0]!.getText('t').toDelta()).toEqual(fresh.toDelta())
        for (let i = 0; i < fresh.length; i += 3) expect(docs[0]!.getText('t').marksAt(i)).toEqual(fresh.marksAt(i))
      }),
      { numRuns: Number(process.env['WEFT_TEXT_DELTA_RUNS'] ?? 150), seed: Number(process.env['WEFT_TEXT_DELTA_SEED'] ?? 2212) },
    )
  })
})
