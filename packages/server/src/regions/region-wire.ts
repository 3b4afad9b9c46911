import { Reader, Writer } from '@weft/crdt-core'

/** Wire version of the peer `since` answer; first byte. */
const SINCE_FORMAT = 1

/** What a peer sends for `POST /regions/since`: the deltas (and a snapshot, when compaction folded some away) the asker lacks. */
export interface SinceAnswer {
  /** A folded state (itself a delta: joining it is idempotent) when the asker is behind compaction. */
  readonly snapshot: Uint8Array | undefined
  /** Deltas in the peer's log order (causal for each origin). */
  readonly deltas: readonly Uint8Array[]
  /** The peer's head seq of the doc when it answered (the asker's cursor). */
  readonly headSeq: number
}

/**
 * Binary, so the bytes that cross regions stay close to the deltas' own
 * (JSON with base64 would add a third).
 */
export function encodeSinceAnswer(a: SinceAnswer): Uint8Array {
  const w = new Writer(256)
  w.writeVarUint(SINCE_FORMAT)
  w.writeVarUint(a.headSeq)
  w.writeVarUint(a.snapshot ? 1 : 0)
  if (a.snapshot) w.writeBytes(a.snapshot)
  w.writeVarUint(a.deltas.length)
  for (const d of a.deltas) w.writeBytes(d)
  return w.finish()
}

export function decodeSinceAnswer(bytes: Uint8Array): SinceAnswer {
  const r = new Reader(bytes)
  const format = r.readVarUint()
  if (format !== SINCE_FORMAT) throw new Error(`peer answered with since-format ${format}; this server reads ${SINCE_FORMAT}: upgrade the older region`)
  const headSeq = r.readVarUint()
  const snapshot = r.readVarUint() === 1 ? r.readBytes().slice() : undefined
  const n = r.readCount()
  const deltas: Uint8Array[] = []
  for (let i = 0; i < n; i++) deltas.push(r.readBytes().slice())
  r.end()
  return { snapshot, deltas, headSeq }
}
