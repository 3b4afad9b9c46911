import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { UndoManager } from './undo-manager.js'

describe('UndoManager', () => {
  it('undoes and redoes text inserts and deletes as steps', () => {
    const doc = new Doc()
    const t = doc.getText('t')
    const undo = new UndoManager(doc, { captureTimeout: 0 })
    t.insert(0, 'hello')
    t.insert(5, ' world')
    t.delete(0, 1)
    expect(t.toString()).toBe('ello world')
    undo.undo()
    expect(t.toString()).toBe('hello world')
    undo.undo()
    expect(t.toString()).toBe('hello')
    undo.redo()
    expect(t.toString()).toBe('hello world')
    expect(undo.canUndo).toBe(true)
    expect(undo.canRedo).toBe(true)
  })

  it("never undoes another replica's edits", () => {
    const a = new Doc()
    const b = new Doc()
    a.on('delta', (d) => b.applyDelta(d))
    b.on('delta', (d) => a.applyDelta(d))
    const undo = new UndoManager(a, { captureTimeout: 0 })
    a.getText('t').insert(0, 'mine ')
    b.getText('t').insert(5, 'theirs')
    undo.undo()
    expect(a.getText('t').toString()).toBe('theirs')
    expect(b.getText('t').toString()).toBe('theirs')
  })

  it('merges changes within captureTimeout into one step (injected clock)', () => {
    let now = 0
    const doc = new Doc()
    const undo = new UndoManager(doc, { captureTimeout: 500, now: () => now })
    const t = doc.getText('t')
    t.insert(0, 'a')
    now = 100
    t.insert(1, 'b')
    now = 1000
    t.insert(2, 'c')
    undo.undo()
    expect(t.toString()).toBe('ab')
    undo.undo()
    expect(t.toString()).toBe('')
  })

  it('undoes map writes, list edits and counter increments; respects scope', () => {
    const doc = new Doc()
    const m = doc.getMap('m')
    const l = doc.getList('l')
    const c = doc.getCounter('c')
    const undo = new UndoManager(doc, { captureTimeout: 0, scope: [m, c] })
    m.set('k', 1)
    m.set('k', 2)
    l.push('untracked')
    c.increment(5)
    undo.undo()
    expect(c.value).toBe(0)
    undo.undo()
    expect(m.get('k')).toBe(1)
    undo.undo()
    expect(m.has('k')).toBe(false)
    expect(l.toArray()).toEqual(['untracked'])
    const all = new UndoManager(doc, { captureTimeout: 0 })
    l.delete(0)
    all.undo()
    expect(l.toArray()).toEqual(['untracked'])
  })
})
