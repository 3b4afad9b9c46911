import { describe, expect, it } from 'vitest'
import { Doc } from '../doc/doc.js'
import {
  COMPACT_FORMAT_VERSION,
  DELTA_FORMAT_VERSION,
  DENSE_FORMAT_VERSION,
  MARKS_FORMAT_VERSION,
  PLAIN_FORMAT_VERSION,
  TERSE_FORMAT_VERSION,
} from './codec.js'

/**
 * [FMT-1] Delta bytes carry their own format version (the first byte): a
 * build writes local edits in v6 (or v5 or v4 with `deltaFormat: 5 | 4`; with `deltaFormat: 3`, and states and
 * catch-ups always, the lowest version that holds the data) and refuses a
 * version it does not know with `bad-version` before applying anything.
 */

/** The deltas `edit` makes on a fresh replica `replicaId`, with the replica. */
function deltasOf(replicaId: number, edit: (doc: Doc) => void, deltaFormat?: 3 | 4 | 5 | 6): { doc: Doc; deltas: Uint8Array[] } {
  const doc = new Doc({ replicaId, ...(deltaFormat !== undefined && { deltaFormat }) })
  const deltas: Uint8Array[] = []
  doc.on('delta', (d) => deltas.push(d))
  edit(doc)
  return { doc, deltas }
}

describe('[FMT-1] delta format versions', () => {
  it.each([
    [undefined, TERSE_FORMAT_VERSION],
    [5, DENSE_FORMAT_VERSION],
    [4, COMPACT_FORMAT_VERSION],
  ] as const)('with deltaFormat %s local edits are written as version %s; states and catch-ups as the lowest of 1-3', (deltaFormat, version) => {
    const { doc, deltas } = deltasOf(
      8,
      (doc) => {
        doc.getText('t').insert(0, 'plain')
        doc.getText('t').format(0, 2, { bold: true })
        doc.getMap('m').set('k', 1)
      },
      deltaFormat,
    )
    expect(deltas.map((d) => d[0])).toEqual([version, version, version])
    expect(doc.encodeState()[0]).toBe(MARKS_FORMAT_VERSION)
    expect(doc.encodeDeltaSince({})[0]).toBe(MARKS_FORMAT_VERSION)
    expect(() => new Doc({ deltaFormat: 2 as never })).toThrow(/deltaFormat must be 3, 4, 5 or 6/)
  })

  it('with deltaFormat 3, plain data is written as version 1, a delta or state with marks as version 2', () => {
    const plain = deltasOf(
      1,
      (doc) => {
        doc.getText('t').insert(0, 'plain')
        doc.getMap('m').set('k', 1)
        doc.getList('l').push('x')
      },
      3,
    )
    expect(plain.deltas.map((d) => d[0])).toEqual([PLAIN_FORMAT_VERSION, PLAIN_FORMAT_VERSION, PLAIN_FORMAT_VERSION])
    expect(plain.doc.encodeState()[0]).toBe(PLAIN_FORMAT_VERSION)

    const rich = deltasOf(
      2,
      (doc) => {
        doc.getText('t').insert(0, 'bold')
        doc.getText('t').format(0, 4, { bold: true })
        doc.getText('t').insert(4, ' then plain')
      },
      3,
    )
    // The insert before any mark is plain; the format is not; a later insert into a text with marks
    // is plain again (its delta carries no mark op).
    expect(rich.deltas.map((d) => d[0])).toEqual([PLAIN_FORMAT_VERSION, MARKS_FORMAT_VERSION, PLAIN_FORMAT_VERSION])
    expect(rich.doc.encodeState()[0]).toBe(MARKS_FORMAT_VERSION)
  })

  it('a build reads every version up to its own: v1 and v2 deltas join into one document', () => {
    const { doc: source, deltas } = deltasOf(
      3,
      (doc) => {
        doc.getText('t').insert(0, 'ab')
        doc.getText('t').format(0, 1, { em: true })
      },
      3,
    )
    const replica = new Doc({ replicaId: 4 })
    for (const d of deltas) replica.applyDelta(d)
    expect(replica.getText('t').toDelta()).toEqual(source.getText('t').toDelta())
    expect(Doc.load(source.encodeState(), { replicaId: 5 }).getText('t').toDelta()).toEqual([{ insert: 'a', attributes: { em: true } }, { insert: 'b' }])
  })

  it('a version this build does not know is refused with bad-version, and the document is untouched', () => {
    const { deltas } = deltasOf(6, (doc) => doc.getText('t').insert(0, 'x'))
    const replica = new Doc({ replicaId: 7 })
    replica.getText('t').insert(0, 'mine')
    const before = { json: replica.toJSON(), vv: replica.versionVector(), pending: replica.pendingCount }
    for (const version of [0, DELTA_FORMAT_VERSION + 1, 255]) {
      const future = deltas[0]!.slice()
      future[0] = version
      expect(() => replica.applyDelta(future), `version ${version}`).toThrow(expect.objectContaining({ code: 'bad-version' }))
    }
    expect({ json: replica.toJSON(), vv: replica.versionVector(), pending: replica.pendingCount }).toEqual(before)
  })
})
