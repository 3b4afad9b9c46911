/**
 * Weft in the B1–B4 suite: root containers `text` (WeftText), `array` (WeftList) and `map`
 * (WeftMap); each local transaction's update is the delta `doc.on('delta')` delivers; the state is
 * `doc.encodeState()`, loaded with `Doc.load`. A factory over the `Doc` class so the bench can
 * measure a pinned copy of the built package (see ../crdt/pin-weft.ts).
 */
import type { Doc } from '@weft/crdt-core'
import { idWords } from '../prng.js'
import type { SuiteAdapter, SuiteDoc } from './types.js'

function wrap(doc: Doc): SuiteDoc {
  const text = doc.getText('text')
  const array = doc.getList('array')
  const map = doc.getMap('map')
  return {
    insertText: (i, s) => text.insert(i, s),
    deleteText: (i, n) => text.delete(i, n),
    text: () => text.toString(),
    insertArray: (i, values) => array.insert(i, ...values),
    array: () => array.toArray(),
    setMap: (k, v) => map.set(k, v),
    map: () => map.toJSON(),
    transact: (fn) => doc.transact(fn),
    applyUpdate: (u) => doc.applyDelta(u),
    applyUpdates(updates) {
      // Weft has no batch apply: each delta integrates on its own.
      for (const u of updates) doc.applyDelta(u)
    },
    encodeState: () => doc.encodeState(),
  }
}

export function makeWeftSuite(DocClass: typeof Doc): SuiteAdapter {
  return {
    create(onUpdate, seed) {
      // Weft's default ids are random in [1, 2^53): 21 + 32 bits.
      const [hi = 0, lo = 0] = idWords(seed, 2)
      const doc = new DocClass({ replicaId: (hi & 0x1fffff) * 0x1_0000_0000 + lo || 1 })
      doc.on('delta', onUpdate)
      return wrap(doc)
    },
    load: (state) => wrap(DocClass.load(state)),
  }
}
