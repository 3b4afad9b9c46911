import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import { seededRandom } from '../seeded-random.js'

/**
 * One long run cut into many pieces (a pasted page edited all over) makes
 * id lookups walk far, which promotes the run to a piece array. Edits after
 * that must keep the array, the chain and the tree in step.
 */
describe('a long run cut into many pieces', () => {
  it('keeps lookups, splits and tombstone joins exact after its pieces move into an array', () => {
    const seed = 11
    const a = new Doc({ replicaId: 1 })
    const b = new Doc({ replicaId: 2 })
    a.on('delta', (d) => b.applyDelta(d))
    b.on('delta', (d) => a.applyDelta(d))
    const ta = a.getText('t')
    const tb = b.getText('t')
    let model = 'abcdefghij'.repeat(300)
    ta.insert(0, model)
    // Every other item deleted: one run, 1,500 pieces.
    for (let i = 1; i < 1500; i++) ta.delete(i, 1)
    model = [...model].filter((_, i) => i % 2 === 0 || i >= 2999).join('')
    expect(tb.toString()).toBe(model)

    const rng = seededRandom(seed)
    for (let step = 0; step < 3000; step++) {
      const at = Math.floor(rng() * (model.length + 1))
      if (rng() < 0.5 && model.length > 0) {
        // Deleting next to earlier tombstones folds pieces of the long run together.
        const i = Math.min(at, model.length - 1)
        const n = Math.min(1 + Math.floor(rng() * 3), model.length - i)
        ;(step % 2 === 0 ? ta : tb).delete(i, n)
        model = model.slice(0, i) + model.slice(i + n)
      } else {
        const s = String.fromCharCode(65 + (step % 26))
        ;(step % 2 === 0 ? ta : tb).insert(at, s)
        model = model.slice(0, at) + s + model.slice(at)
      }
      if (step % 500 === 0) expect(tb.toString(), `WEFT_SEED=${seed} step ${step}`).toBe(model)
    }
    expect(ta.toString()).toBe(model)
    expect(tb.toString()).toBe(model)
    expect(a.digest()).toBe(b.digest())
    // A replica built from scratch agrees with both.
    expect(Doc.load(a.encodeState()).getText('t').toString()).toBe(model)
  })
})
