import { Reader, type VersionVector, WeftDecodeError, Writer } from '@weft/crdt-core'

/** First byte of a heads stream (after inflating); bumped on an incompatible change. */
export const HEADS_STREAM_FORMAT = 1

/** One doc whose head moved, as a peer tells it. */
export interface StreamHead {
  readonly doc: string
  readonly seq: number
  /**
   * The peer's head version vector, when the asker cannot derive it: a full
   * answer, a tail too long to inline, or deltas the peer imported from a
   * third region (the asker compares and pulls `since` when it lacks any).
   * Absent: `deltas` are everything the asker lacks of this move.
   */
  readonly vv: VersionVector | undefined
  /** Deltas of the move, inline (the peer's own writes; never those it imported from the asker). */
  readonly deltas: readonly Uint8Array[]
}

/** One frame of the stream: heads that moved (a keep-alive when empty), or the end with a resume token. */
export interface HeadsFrame {
  readonly full: boolean
  readonly heads: readonly StreamHead[]
  /** Present on the last frame only: pass it as `since` to resume with what moved after. */
  readonly token: string | undefined
}

const FULL = 1
const END = 2

/**
 * Encodes frames, length-prefixed, with doc names interned per stream (a doc
 * named once is a small number after), so a one-delta move costs a few bytes
 * beyond the delta itself.
 */
export class HeadsFrameEncoder {
  private readonly refs = new Map<string, number>()
  private started = false

  encode(frame: HeadsFrame): Uint8Array {
    const w = new Writer(64)
    w.writeVarUint((frame.full ? FULL : 0) | (frame.token !== undefined ? END : 0))
    if (frame.token !== undefined) w.writeString(frame.token)
    w.writeVarUint(frame.heads.length)
    for (const h of frame.heads) {
      const ref = this.refs.get(h.doc)
      if (ref === undefined) {
        w.writeVarUint(0)
        w.writeString(h.doc)
        this.refs.set(h.doc, this.refs.size + 1)
      } else w.writeVarUint(ref)
      w.writeVarUint(h.seq)
      if (h.vv === undefined) w.writeVarUint(0)
      else {
        const entries = Object.entries(h.vv)
        w.writeVarUint(entries.length + 1)
        for (const [replica, counter] of entries) {
          w.writeVarUint(Number(replica))
          w.writeVarUint(counter)
        }
      }
      w.writeVarUint(h.deltas.length)
      for (const d of h.deltas) w.writeBytes(d)
    }
    const body = w.finish()
    const out = new Writer(body.length + 6)
    if (!this.started) {
      out.writeVarUint(HEADS_STREAM_FORMAT)
      this.started = true
    }
    out.writeBytes(body)
    return out.finish()
  }
}

/** Decodes what {@link HeadsFrameEncoder} wrote, from chunks as they arrive. */
export class HeadsFrameDecoder {
  private readonly docs: string[] = []
  private buf = new Uint8Array(0)
  private started = false

  /** Every complete frame `chunk` finished (none while a frame is still partial). */
  push(chunk: Uint8Array): HeadsFrame[] {
    const joined = new Uint8Array(this.buf.length + chunk.length)
    joined.set(this.buf)
    joined.set(chunk, this.buf.length)
    const r = new Reader(joined)
    const frames: HeadsFrame[] = []
    let consumed = 0
    for (;;) {
      let body: Uint8Array
      try {
        if (!this.started) {
          const format = r.readVarUint()
          if (format !== HEADS_STREAM_FORMAT) {
            throw new Error(`peer answered with heads-stream format ${format}; this server reads ${HEADS_STREAM_FORMAT}: upgrade the older region`)
          }
          this.started = true
          consumed = r.pos
        }
        if (r.done) break
        body = r.readBytes()
      } catch (error) {
        if (error instanceof WeftDecodeError) break
        throw error
      }
      consumed = r.pos
      frames.push(this.decode(body))
    }
    this.buf = joined.slice(consumed)
    return frames
  }

  private decode(body: Uint8Array): HeadsFrame {
    const r = new Reader(body)
    const flags = r.readVarUint()
    const token = flags & END ? r.readString() : undefined
    const n = r.readCount()
    const heads: StreamHead[] = []
    for (let i = 0; i < n; i++) {
      const ref = r.readVarUint()
      let doc: string
      if (ref === 0) {
        doc = r.readString()
        this.docs.push(doc)
      } else {
        const known = this.docs[ref - 1]
        if (known === undefined) throw new Error(`heads stream names doc #${ref}, never introduced`)
        doc = known
      }
      const seq = r.readVarUint()
      const entries = r.readVarUint()
      let vv: VersionVector | undefined
      if (entries > 0) {
        vv = {}
        for (let e = 1; e < entries; e++) {
          const replica = r.readVarUint()
          vv[replica] = r.readVarUint()
        }
      }
      const nd = r.readCount()
      const deltas: Uint8Array[] = []
      for (let k = 0; k < nd; k++) deltas.push(r.readBytes().slice())
      heads.push({ doc, seq, vv, deltas })
    }
    r.end()
    return { full: (flags & FULL) !== 0, heads, token }
  }
}
