/**
 * Bytes per local-edit delta in each writable delta format, over the
 * sequential editing traces: one `transact` per trace transaction, every
 * `delta` event's bytes summed. Deterministic (no timing, and a fixed
 * replica id of a random id's usual size, 8 bytes as a varint), so any
 * machine gives the same figures for a given build and trace set.
 * Usage: node --import tsx crdt/format-bytes.ts
 */
import { Doc, type WritableDeltaFormat } from '@weft/crdt-core'
import { listTraces, loadSequential, type SequentialTrace } from './traces.js'

const FORMATS: readonly WritableDeltaFormat[] = [3, 4, 5, 6]
/**
 * A random 53-bit id is at least 2^49 (8 varint bytes, 7 in v6) 15 times in
 * 16; a fixed one of that size keeps runs comparable. (Before v6 this was
 * 0x1a2b3c4d5e6f7, under 2^49: every delta a byte shorter than a random id's.)
 */
const REPLICA_ID = 0x68af13579bddf

function bytesOf(trace: SequentialTrace, deltaFormat: WritableDeltaFormat): { bytes: number; deltas: number } {
  const doc = new Doc({ deltaFormat, replicaId: REPLICA_ID })
  const text = doc.getText('text')
  let bytes = 0
  let deltas = 0
  doc.on('delta', (d) => {
    bytes += d.length
    deltas++
  })
  for (const txn of trace.txns) {
    doc.transact(() => {
      for (const [pos, del, ins] of txn.patches) {
        if (del > 0) text.delete(pos, del)
        if (ins !== '') text.insert(pos, ins)
      }
    })
  }
  return { bytes, deltas }
}

console.log(`| trace | ${FORMATS.map((f) => `v${f} bytes per delta`).join(' | ')} | v6 / v5 | v6 / v3 |`)
console.log(`|---|${FORMATS.map(() => '---:').join('|')}|---:|---:|`)
for (const file of listTraces('sequential')) {
  const trace = loadSequential(file.path)
  const per = FORMATS.map((f) => {
    const { bytes, deltas } = bytesOf(trace, f)
    return bytes / deltas
  })
  const [v3, , v5, v6] = per as [number, number, number, number]
  console.log(`| ${file.name} | ${per.map((x) => x.toFixed(1)).join(' | ')} | ${(v6 / v5).toFixed(3)} | ${(v6 / v3).toFixed(3)} |`)
}
