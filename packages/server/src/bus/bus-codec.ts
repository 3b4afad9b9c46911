import { Reader, Writer } from '@weft/crdt-core'
import type { CommittedDelta, HeadsBeat } from './bus.js'

/** First byte of every bus message; a node refuses other versions. */
export const BUS_FORMAT_VERSION = 1

const DELTA = 1
const BEAT = 2

/** A bus message that could not be decoded (another version, or damaged). */
export class BusDecodeError extends Error {
  override readonly name = 'BusDecodeError'
  readonly code = 'bus-decode'
}

/** `[version][1][doc][seq][node][sentAt][delta]`, from crdt-core's primitives. */
export function encodeCommittedDelta(e: CommittedDelta): Uint8Array {
  const w = new Writer(e.delta.byteLength + e.doc.length + 32)
  w.writeUint8(BUS_FORMAT_VERSION)
  w.writeUint8(DELTA)
  w.writeString(e.doc)
  w.writeUint53(e.seq)
  w.writeString(e.node)
  w.writeFloat64(e.sentAt)
  w.writeBytes(e.delta)
  return w.finish()
}

/** `[version][2][node][sentAt][count]([doc][seq])*` */
export function encodeHeadsBeat(b: HeadsBeat): Uint8Array {
  const w = new Writer(64 + b.heads.length * 24)
  w.writeUint8(BUS_FORMAT_VERSION)
  w.writeUint8(BEAT)
  w.writeString(b.node)
  w.writeFloat64(b.sentAt)
  w.writeVarUint(b.heads.length)
  for (const h of b.heads) {
    w.writeString(h.doc)
    w.writeUint53(h.seq)
  }
  return w.finish()
}

export type BusMessage = ({ readonly type: 'delta' } & CommittedDelta) | ({ readonly type: 'beat' } & HeadsBeat)

/** Decodes either message; throws only {@link BusDecodeError}. */
export function decodeBusMessage(bytes: Uint8Array): BusMessage {
  try {
    const r = new Reader(bytes)
    const version = r.readUint8()
    if (version !== BUS_FORMAT_VERSION) throw new BusDecodeError(`bus message version ${version}, expected ${BUS_FORMAT_VERSION}`)
    const tag = r.readUint8()
    if (tag === DELTA) {
      const doc = r.readString()
      const seq = r.readUint53()
      const node = r.readString()
      const sentAt = r.readFloat64()
      const delta = r.readBytes()
      r.end()
      return { type: 'delta', doc, seq, node, sentAt, delta }
    }
    if (tag === BEAT) {
      const node = r.readString()
      const sentAt = r.readFloat64()
      const n = r.readCount(2)
      const heads: { doc: string; seq: number }[] = []
      for (let i = 0; i < n; i++) heads.push({ doc: r.readString(), seq: r.readUint53() })
      r.end()
      return { type: 'beat', node, sentAt, heads }
    }
    throw new BusDecodeError(`unknown bus message tag ${tag}`)
  } catch (error) {
    if (error instanceof BusDecodeError) throw error
    throw new BusDecodeError(`undecodable bus message: ${error instanceof Error ? error.message : String(error)}`)
  }
}
