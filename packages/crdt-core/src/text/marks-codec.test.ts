import { describe, expect, it } from 'vitest'
import { decodeDelta, encodeDelta } from '../delta/codec.js'
import { Doc } from '../doc/doc.js'
import { isWeftDecodeError } from '../errors.js'
import { UndoManager } from '../undo/undo-manager.js'

function collect(doc: Doc): Uint8Array[] {
  const out: Uint8Array[] = []
  doc.on('delta', (b) => out.push(b))
  return out
}

describe('marks in the delta format', () => {
  it('with deltaFormat 3, plain text deltas and states stay format v1; a delta or state with marks is v2', () => {
    const doc = new Doc({ replicaId: 7, deltaFormat: 3 })
    const deltas = collect(doc)
    doc.getText('t').insert(0, 'hello')
    expect(deltas[0]![0]).toBe(1)
    expect(doc.encodeState()[0]).toBe(1)
    doc.getText('t').format(0, 5, { bold: true })
    expect(deltas[1]![0]).toBe(2)
    expect(doc.encodeState()[0]).toBe(2)
    expect(doc.encodeDeltaSince({})[0]).toBe(2)
  })

  it.each([3, 4, 5] as const)('a delta with marks round-trips through decode and encode byte for byte (format %s)', (deltaFormat) => {
    const doc = new Doc({ replicaId: 7, deltaFormat })
    const deltas = collect(doc)
    doc.transact(() => {
      doc.getText('t').insert(0, 'hello world')
      doc.getText('t').format(0, 5, { bold: true, link: 'https://x.example' })
      doc.getText('t').unformat(2, 1, 'bold', { expand: 'both' })
    })
    const bytes = deltas[0]!
    expect(bytes[0]).toBe(deltaFormat === 3 ? 2 : deltaFormat)
    expect(encodeDelta(decodeDelta(bytes), undefined, deltaFormat === 3 ? undefined : deltaFormat)).toEqual(bytes)
    const state = doc.encodeState()
    expect(Doc.load(state).getText('t').toDelta()).toEqual(doc.getText('t').toDelta())
  })

  it('every truncation of a v2 delta is refused with a decode error and leaves the doc untouched', () => {
    const src = new Doc({ replicaId: 7 })
    const deltas = collect(src)
    src.getText('t').insert(0, 'abc')
    src.getText('t').format(0, 3, { bold: true, link: 'L' })
    const target = new Doc({ replicaId: 8 })
    target.applyDelta(deltas[0]!)
    const bytes = deltas[1]!
    for (let n = 2; n < bytes.length; n++) {
      let error: unknown
      try {
        target.applyDelta(bytes.subarray(0, n))
      } catch (e) {
        error = e
      }
      expect(isWeftDecodeError(error), `prefix of ${n} bytes`).toBe(true)
      expect(target.getText('t').toDelta()).toEqual([{ insert: 'abc' }])
    }
    target.applyDelta(bytes)
    expect(target.getText('t').toDelta()).toEqual([{ insert: 'abc', attributes: { bold: true, link: 'L' } }])
  })

  it('[MARK-1] a mark anchored at a character the receiver does not have is refused before anything is applied', () => {
    const a = new Doc({ replicaId: 7 })
    const deltas = collect(a)
    a.getText('t').insert(0, 'abc')
    a.getText('t').format(0, 1, { bold: true })
    const b = new Doc({ replicaId: 9 })
    b.applyDelta(deltas[0]!)
    const data = decodeDelta(deltas[1]!)
    const mark = data.containers[0]!.marks![0]!
    const forged = encodeDelta({ ...data, containers: [{ ...data.containers[0]!, marks: [{ ...mark, start: { ...mark.start, counter: 99 } }] }] })
    expect(() => b.applyDelta(forged)).toThrow(/anchored at 7:99/)
    expect(b.getText('t').toDelta()).toEqual([{ insert: 'abc' }])
    b.applyDelta(deltas[1]!)
    expect(b.getText('t').toDelta()).toEqual([{ insert: 'a', attributes: { bold: true } }, { insert: 'bc' }])
  })
})

describe('stable cursors', () => {
  it('stay with their character across remote inserts and deletes around it, and after reload', () => {
    const a = new Doc({ replicaId: 1 })
    a.getText('t').insert(0, 'hello world')
    const b = Doc.load(a.encodeState(), { replicaId: 2 })
    const atW = a.getText('t').cursor(6) // before 'w'
    const afterO = a.getText('t').cursor(5, 'before') // after the 'o' of hello
    b.getText('t').insert(0, '>> ')
    b.getText('t').delete(8, 1) // the space
    b.getText('t').insert(b.getText('t').length, '!')
    a.applyDelta(b.encodeDeltaSince(a.versionVector()))
    expect(a.getText('t').toString()).toBe('>> helloworld!')
    expect(a.getText('t').cursorIndex(atW)).toBe(8)
    expect(a.getText('t').cursorIndex(afterO)).toBe(8)
    // The cursor is JSON: it survives a round trip and resolves on a reloaded replica.
    const reloaded = Doc.load(a.encodeState(), { replicaId: 3 })
    expect(reloaded.getText('t').cursorIndex(JSON.parse(JSON.stringify(atW)))).toBe(8)
    // Its character deleted: the cursor sits where the character was.
    a.getText('t').delete(8, 1)
    expect(a.getText('t').cursorIndex(atW)).toBe(8)
    // Typing at a cursor that sticks to the next character pushes it right.
    a.getText('t').insert(8, 'W')
    expect(a.getText('t').cursorIndex(afterO)).toBe(8)
  })

  it('end-of-text cursors follow appended text; start cursors stay at 0', () => {
    const doc = new Doc({ replicaId: 1 })
    const t = doc.getText('t')
    t.insert(0, 'ab')
    const end = t.cursor(2)
    const start = t.cursor(0, 'before')
    t.insert(2, 'cd')
    t.insert(0, 'z')
    expect(t.cursorIndex(end)).toBe(5)
    expect(t.cursorIndex(start)).toBe(0)
    expect(() => t.cursorIndex({ nope: 1 } as never)).toThrow(/text.cursor/)
  })
})

describe('undo of formatting', () => {
  it('undoes and redoes only its own format, leaving a remote one in place', () => {
    const a = new Doc({ replicaId: 1 })
    a.getText('t').insert(0, 'hello world')
    const b = Doc.load(a.encodeState(), { replicaId: 2 })
    const undo = new UndoManager(a)
    a.getText('t').format(0, 5, { bold: true })
    b.getText('t').format(6, 5, { italic: true })
    a.applyDelta(b.encodeDeltaSince(a.versionVector()))
    expect(undo.undo()).toBe(true)
    expect(a.getText('t').toDelta()).toEqual([{ insert: 'hello ' }, { insert: 'world', attributes: { italic: true } }])
    expect(undo.redo()).toBe(true)
    expect(a.getText('t').toDelta()).toEqual([
      { insert: 'hello', attributes: { bold: true } },
      { insert: ' ' },
      { insert: 'world', attributes: { italic: true } },
    ])
  })
})
