/**
 * Loro in the B1–B4 suite: root containers `text`, `array` (LoroList) and `map`; every edit outside
 * `transact` is followed by `doc.commit()`, and each commit's update is what
 * `doc.subscribeLocalUpdates` delivers. The state is a snapshot (`export({ mode: 'snapshot' })`,
 * the suite's choice for Loro), loaded with `LoroDoc.fromSnapshot`.
 */
import { LoroDoc } from 'loro-crdt'
import { idWords } from '../prng.js'
import type { SuiteAdapter, SuiteDoc } from './types.js'

function wrap(doc: LoroDoc): SuiteDoc {
  const text = doc.getText('text')
  const array = doc.getList('array')
  const map = doc.getMap('map')
  let depth = 0
  const edit = (fn: () => void): void => {
    depth++
    try {
      fn()
    } finally {
      depth--
      if (depth === 0) doc.commit()
    }
  }
  return {
    insertText: (i, s) => edit(() => text.insert(i, s)),
    deleteText: (i, n) => edit(() => text.delete(i, n)),
    text: () => text.toString(),
    insertArray: (i, values) =>
      edit(() => {
        for (let k = 0; k < values.length; k++) array.insert(i + k, values[k])
      }),
    array: () => array.toJSON() as unknown[],
    setMap: (k, v) => edit(() => map.set(k, v)),
    map: () => map.toJSON() as Record<string, unknown>,
    transact: (fn) => edit(fn),
    applyUpdate(u) {
      doc.import(u)
    },
    applyUpdates(updates) {
      doc.importBatch([...updates])
    },
    encodeState: () => doc.export({ mode: 'snapshot' }),
  }
}

export const loroSuite: SuiteAdapter = {
  create(onUpdate, seed) {
    const doc = new LoroDoc()
    // Loro's default peer ids are random 64-bit.
    const [hi = 0, lo = 0] = idWords(seed, 2)
    doc.setPeerId((BigInt(hi) << 32n) | BigInt(lo))
    doc.subscribeLocalUpdates(onUpdate)
    return wrap(doc)
  },
  load: (state) => wrap(LoroDoc.fromSnapshot(state)),
}
