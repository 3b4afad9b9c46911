import { describe, expect, it } from 'vitest'
import { Doc } from './doc.js'

/**
 * `applyDelta` decodes into objects it reuses from one delta to the next.
 * These pin down that nothing a document keeps is one of them.
 */
function keystrokes(count: number): { deltas: Uint8Array[]; text: string } {
  const a = new Doc({ replicaId: 2 ** 52 + 11 })
  const deltas: Uint8Array[] = []
  a.on('delta', (d) => deltas.push(d))
  const t = a.getText('body')
  for (let i = 0; i < count; i++) {
    if (i % 5 === 4) t.delete(i % 3, 1)
    else t.insert(t.length === 0 ? 0 : (i * 7) % t.length, String.fromCharCode(97 + (i % 26)))
  }
  return { deltas, text: t.toString() }
}

describe('applyDelta with reused decode objects', () => {
  it('keeps buffered deltas intact while later ones are decoded', () => {
    const { deltas, text } = keystrokes(60)
    const b = new Doc()
    // Every delta but the first arrives before the one it depends on.
    for (let i = deltas.length - 1; i >= 1; i--) b.applyDelta(deltas[i]!)
    expect(b.pendingCount).toBe(deltas.length - 1)
    b.applyDelta(deltas[0]!)
    expect(b.pendingCount).toBe(0)
    expect(b.getText('body').toString()).toBe(text)
  })

  it('gives containers created by a remote delta an id of their own', () => {
    const a = new Doc({ replicaId: 3 })
    const deltas: Uint8Array[] = []
    a.on('delta', (d) => deltas.push(d))
    a.getText('first').insert(0, 'x')
    a.getText('second').insert(0, 'y')
    const b = new Doc()
    for (const d of deltas) b.applyDelta(d)
    expect(b.toJSON()).toEqual({ first: 'x', second: 'y' })
    // Re-encoding names each container by its own id.
    expect(Doc.load(b.encodeState()).toJSON()).toEqual({ first: 'x', second: 'y' })
  })

  it('lets a change listener apply another delta to the same document', () => {
    const { deltas, text } = keystrokes(30)
    const b = new Doc()
    let next = 1
    b.on('change', () => {
      if (next < deltas.length) b.applyDelta(deltas[next++]!)
    })
    b.applyDelta(deltas[0]!)
    expect(next).toBe(deltas.length)
    expect(b.getText('body').toString()).toBe(text)
  })
})
