import { encodeMessage } from './codec.js'
import type { ProtocolMessage } from './messages/index.js'
import { compactHead, type WireTables } from './wire-tables.js'

/** Frames kept for reuse per message: subscribers fall into few groups (most share one); a check that fails is a read or two. */
const MAX_SHAPES = 32

/** One encoding of the message: the references it used, and its bytes. */
interface Shape {
  readonly docRef: number
  readonly refs: readonly number[]
  /** 0 when the delta names no root container. */
  readonly nameRef: number
  readonly frame: Uint8Array
}

/**
 * One fan-out message written for many protocol-2 connections ([WIRE-1]):
 * each needs a frame in its own tables, but connections whose tables name the
 * doc and every replica of the delta by the same references get the same
 * bytes, so those are encoded once. Connections that saw the same deltas in
 * the same order (most subscribers of a doc) share one frame. Whether a
 * connection matches a frame already made (its doc, replicas and container
 * name under the same references) is checked by array reads
 * (`at(ref)`), not by hashing 53-bit ids, which would cost more than the
 * encode it saves.
 */
export class BroadcastFrames {
  private readonly replicas: readonly number[] = []
  /** The delta's first container's root name, which protocol 2 also sends by reference. */
  private readonly name: string | undefined
  private readonly shapes: Shape[] = []
  /** The shape the previous connection matched: subscribers of one kind tend to come in runs. */
  private last: Shape | undefined

  constructor(private readonly m: Extract<ProtocolMessage, { type: 'delta' | 'presence' }>) {
    const head = m.type === 'delta' ? compactHead(m.delta) : null
    if (head === null) return
    this.replicas = head.ids
    this.name = head.name?.value
  }

  /** The frame for a connection with these outgoing tables (which it may extend, as `encodeMessage` does). */
  frameFor(wire: WireTables): Uint8Array {
    if (this.last !== undefined && this.fits(wire, this.last)) return this.last.frame
    for (const shape of this.shapes) {
      if (shape === this.last || !this.fits(wire, shape)) continue
      this.last = shape
      return shape.frame
    }
    const docRef = wire.docs.ref(this.m.doc)
    const refs = this.replicas.map((id) => wire.replicas.ref(id))
    const nameRef = this.name === undefined ? 0 : wire.names.ref(this.name)
    const frame = encodeMessage(this.m, wire)
    // A frame that defined names is this connection's alone: its tables grew as it was written.
    if (docRef !== 0 && !refs.includes(0) && (this.name === undefined || nameRef !== 0) && this.shapes.length < MAX_SHAPES) {
      this.last = { docRef, refs, nameRef, frame }
      this.shapes.push(this.last)
    }
    return frame
  }

  private fits(wire: WireTables, shape: Shape): boolean {
    if (wire.docs.at(shape.docRef) !== this.m.doc) return false
    if (this.name !== undefined && wire.names.at(shape.nameRef) !== this.name) return false
    for (let i = 0; i < shape.refs.length; i++) if (wire.replicas.at(shape.refs[i]!) !== this.replicas[i]) return false
    return true
  }
}
