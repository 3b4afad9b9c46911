import { Doc } from '@weft/crdt-core'
import { describe, expect, it } from 'vitest'
import { createNote, deleteNote, moveNote, readNotes, renameNote, titleText } from './notes-index'

const titles = (d: Doc) => readNotes(d).map((n) => n.title)
const sync = (a: Doc, b: Doc) => {
  b.applyDelta(a.encodeState())
  a.applyDelta(b.encodeState())
}

describe('notes index', () => {
  it('creates on top, renames, moves and deletes', () => {
    const d = new Doc()
    createNote(d, 'a', 'A')
    createNote(d, 'b', 'B')
    createNote(d, 'c', 'C')
    expect(titles(d)).toEqual(['C', 'B', 'A'])
    renameNote(d, 'b', 'Bee')
    moveNote(d, 'c', 2)
    expect(titles(d)).toEqual(['Bee', 'A', 'C'])
    moveNote(d, 'c', -1)
    expect(titles(d)).toEqual(['Bee', 'C', 'A'])
    moveNote(d, 'a', 1) // already last: nothing
    expect(titles(d)).toEqual(['Bee', 'C', 'A'])
    deleteNote(d, 'c')
    expect(titles(d)).toEqual(['Bee', 'A'])
  })

  it('two replicas moving the same note at once show it once, and agree', () => {
    const a = new Doc()
    const b = new Doc()
    createNote(a, 'x', 'X')
    createNote(a, 'y', 'Y')
    createNote(a, 'z', 'Z')
    sync(a, b)
    moveNote(a, 'z', 2)
    moveNote(b, 'z', 1)
    sync(a, b)
    expect(titles(a)).toEqual(titles(b))
    expect(titles(a).filter((t) => t === 'Z')).toHaveLength(1)
    expect([...titles(a)].sort()).toEqual(['X', 'Y', 'Z'])
  })

  it('a note deleted on one replica while renamed on another stays deleted or renamed, the same on both', () => {
    const a = new Doc()
    const b = new Doc()
    createNote(a, 'n', 'Note')
    sync(a, b)
    deleteNote(a, 'n')
    renameNote(b, 'n', 'Renamed')
    sync(a, b)
    expect(titles(a)).toEqual(titles(b))
  })

  it('a title is a Text: two replicas typing at its end at once keep every keystroke (issue 16.3)', () => {
    const a = new Doc()
    const b = new Doc()
    createNote(a, 'n', 'Plan')
    sync(a, b)
    const ta = titleText(a, 'n')!
    const tb = titleText(b, 'n')!
    for (const ch of ' PPPP') ta.insert(ta.length, ch)
    for (const ch of ' QQQQ') tb.insert(tb.length, ch)
    sync(a, b)
    expect(titles(a)).toEqual(titles(b))
    expect([['Plan PPPP QQQQ'], ['Plan QQQQ PPPP']]).toContainEqual(titles(a))
  })

  it("an older note's plain-string title is read as is and becomes a Text holding it when edited", () => {
    const a = new Doc()
    const b = new Doc()
    a.transact(() => {
      a.getMap('titles').set('old', 'Old title')
      a.getList('order').insert(0, 'old')
    })
    sync(a, b)
    expect(titles(b)).toEqual(['Old title'])
    const t = titleText(b, 'old')!
    t.insert(t.length, '!')
    sync(a, b)
    expect(titles(a)).toEqual(['Old title!'])
    expect(titleText(a, 'old')!.toString()).toBe('Old title!')
    expect(titleText(a, 'gone')).toBeUndefined()
  })
})
