import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { seededRandom } from '../seeded-random.js'
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

  it('puts back deleted text where it was, whatever order a step made its edits in', () => {
    // The ProseMirror binding's first edit of an empty note: the last block's newline, then the text before it.
    const doc = new Doc({ replicaId: 1 })
    const t = doc.getText('t')
    const undo = new UndoManager(doc, { captureTimeout: 0 })
    doc.transact(() => {
      t.insert(0, '\n')
      t.insert(0, 'mine')
    })
    const peer = Doc.load(doc.encodeState(), { replicaId: 2 })
    peer.getText('t').insert(0, 'theirs ')
    doc.applyDelta(peer.encodeDeltaSince(doc.versionVector()))
    undo.undo()
    expect(t.toString()).toBe('theirs ')
    undo.redo()
    expect(t.toString()).toBe('theirs mine\n')
    peer.applyDelta(doc.encodeDeltaSince(peer.versionVector()))
    expect(peer.getText('t').toString()).toBe('theirs mine\n')
  })

  it('an undo after the redo of a delete removes the restored items (they are new items)', () => {
    const doc = new Doc()
    const t = doc.getText('t')
    const undo = new UndoManager(doc, { captureTimeout: 0 })
    t.insert(0, 'abcd')
    t.delete(1, 2)
    undo.undo()
    undo.redo()
    undo.undo()
    expect(t.toString()).toBe('abcd')
    undo.undo()
    expect(t.toString()).toBe('')
    undo.redo()
    undo.redo()
    expect(t.toString()).toBe('ad')
  })

  /**
   * Any walk of undos and redos over seeded steps (each one to four inserts and deletes in a text
   * and a list) shows exactly the state that step had. WEFT_UNDO_SEED=<seed> reruns one schedule;
   * WEFT_UNDO_RUNS=<n> runs n of them.
   */
  const firstSeed = Number(process.env['WEFT_UNDO_SEED'] ?? 1)
  const runs = Number(process.env['WEFT_UNDO_RUNS'] ?? (process.env['WEFT_UNDO_SEED'] === undefined ? 60 : 1))
  it(`undo and redo walk back and forth through the exact states of seeded steps (seeds ${firstSeed}..${firstSeed + runs - 1})`, () => {
    for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
      const rnd = seededRandom(seed)
      const doc = new Doc({ replicaId: 1 })
      const t = doc.getText('t')
      const l = doc.getList('l')
      const undo = new UndoManager(doc, { captureTimeout: 0 })
      const state = () => JSON.stringify([t.toString(), l.toArray()])
      const states = [state()]
      for (let step = 0; step < 12; step++) {
        doc.transact(() => {
          for (let n = 1 + Math.floor(rnd() * 4); n > 0; n--) {
            const len = t.length
            const from = Math.floor(rnd() * len)
            if (len > 0 && rnd() < 0.4) t.delete(from, 1 + Math.floor(rnd() * Math.min(3, len - from)))
            else t.insert(Math.floor(rnd() * (len + 1)), 'xyz\n'.slice(Math.floor(rnd() * 4)) || 'w')
            if (l.length > 0 && rnd() < 0.4) l.delete(Math.floor(rnd() * l.length))
            else if (rnd() < 0.5) l.insert(Math.floor(rnd() * (l.length + 1)), step * 10 + n)
          }
        })
        states.push(state())
      }
      let at = states.length - 1
      for (let move = 0; move < 60; move++) {
        if ((rnd() < 0.55 && undo.canUndo) || !undo.canRedo) {
          if (undo.undo()) at--
        } else if (undo.redo()) at++
        expect(state(), `seed ${seed}, move ${move}`).toBe(states[at])
      }
    }
  })

  it(`replicas undoing and redoing their own steps among concurrent edits converge (seeds ${firstSeed}..${firstSeed + runs - 1})`, () => {
    for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
      const rnd = seededRandom(seed)
      const docs = [1, 2, 3].map((replicaId) => new Doc({ replicaId }))
      const undos = docs.map((doc) => new UndoManager(doc, { captureTimeout: 0 }))
      const sync = (from: Doc, to: Doc) => to.applyDelta(from.encodeDeltaSince(to.versionVector()))
      for (let move = 0; move < 80; move++) {
        const i = Math.floor(rnd() * docs.length)
        const doc = docs[i]!
        const t = doc.getText('t')
        const r = rnd()
        if (r < 0.2) undos[i]!.undo()
        else if (r < 0.3) undos[i]!.redo()
        else if (r < 0.45) sync(doc, docs[Math.floor(rnd() * docs.length)]!)
        else {
          const len = t.length
          const from = Math.floor(rnd() * len)
          if (len > 0 && rnd() < 0.4) t.delete(from, 1 + Math.floor(rnd() * Math.min(4, len - from)))
          else t.insert(Math.floor(rnd() * (len + 1)), 'abc'.slice(Math.floor(rnd() * 3)) + String(i))
        }
      }
      for (const a of docs) for (const b of docs) sync(a, b)
      const texts = docs.map((d) => d.getText('t').toString())
      expect(new Set(texts).size, `seed ${seed}: ${JSON.stringify(texts)}`).toBe(1)
    }
  })
})
