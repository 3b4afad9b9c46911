import type { LoadedDocData } from '@weft/crdt-core'

/**
 * The highest seq a load brought into memory: the snapshot's, or the last
 * logged delta's after it ([COMPACT-1]). Starting the compaction watermark
 * anywhere lower would wait forever for seqs that were read, not appended.
 */
export function loadedThroughSeq(data: LoadedDocData): number {
  let seq = data.snapshot?.seq ?? 0
  for (const d of data.deltas) if (d.seq > seq) seq = d.seq
  return seq
}
