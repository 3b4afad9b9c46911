import { Doc, WeftDecodeError, createDocModel, type DocModel } from '@weft/crdt-core'
import { describe, expect, it } from 'vitest'
import { lazyEmptyDocs } from './lazy-doc-model.js'

/** The production model, counting the docs it creates. */
function countingModel(): { model: DocModel; created: () => number } {
  const inner = createDocModel()
  let n = 0
  return {
    model: {
      ...inner,
      create: () => {
        n++
        return inner.create()
      },
    },
    created: () => n,
  }
}

function deltaOf(edit: (d: Doc) => void): { bytes: Uint8Array; doc: Doc } {
  const doc = new Doc()
  const before = doc.versionVector()
  edit(doc)
  return { bytes: doc.encodeDeltaSince(before), doc }
}

describe('lazyEmptyDocs', () => {
  it('answers like an empty doc without creating one per doc', () => {
    const { model, created } = countingModel()
    const lazy = lazyEmptyDocs(model)
    const docs = Array.from({ length: 100 }, () => lazy.create())
    expect(created()).toBe(1) // the shared empty doc
    const fresh = new Doc()
    for (const d of docs.slice(0, 3)) {
      expect(d.versionVector()).toEqual({})
      expect(d.digest()).toBe(fresh.digest())
      expect(d.encodeDeltaSince({})).toEqual(fresh.encodeDeltaSince({}))
      expect(d.encodeState()).toEqual(fresh.encodeState())
      expect(d.pendingCount).toBe(0)
    }
  })

  it('becomes a doc of its own on the first delta, and writes never leak to the others', () => {
    const { model, created } = countingModel()
    const lazy = lazyEmptyDocs(model)
    const a = lazy.create()
    const b = lazy.create()
    const { bytes, doc: source } = deltaOf((d) => d.getMap('m').set('k', 1))
    a.applyDelta(bytes)
    expect(created()).toBe(2)
    expect(a.versionVector()).toEqual(source.versionVector())
    expect(a.digest()).toBe(source.digest())
    expect(b.versionVector()).toEqual({})
    expect(lazy.create().digest()).toBe(new Doc().digest())
  })

  it('a bad delta throws WeftDecodeError and leaves the doc empty', () => {
    const lazy = lazyEmptyDocs(createDocModel())
    const d = lazy.create()
    expect(() => d.applyDelta(new Uint8Array([0xff, 1, 2]))).toThrow(WeftDecodeError)
    expect(d.versionVector()).toEqual({})
    expect(d.digest()).toBe(new Doc().digest())
  })

  it('loads snapshots with the wrapped model', () => {
    const lazy = lazyEmptyDocs(createDocModel())
    const { doc: source } = deltaOf((d) => d.getText('t').insert(0, 'hi'))
    const loaded = lazy.load(source.encodeState())
    expect(loaded.digest()).toBe(source.digest())
  })
})
