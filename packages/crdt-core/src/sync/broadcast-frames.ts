import { frontReplicaTable, replicaTableAtFront } from '../delta/codec.js'
import { encodeMessage } from './codec.js'
import type { ProtocolMessage } from './messages/index.js'
import type { WireTables } from './wire-tables.js'

/**
 * One fan-out message written for many protocol-2 connections ([WIRE-1]):
 * each needs a frame in its own tables, but connections whose tables name the
 * doc and every replica of the delta by the same references get the same
 * bytes, so those are encoded once. Connections that saw the same deltas in
 * the same order (most subscribers of a doc) share one frame.
 */
export class BroadcastFrames {
  private readonly replicas: readonly number[]
  private readonly byRefs = new Map<string, Uint8Array>()

  constructor(private readonly m: Extract<ProtocolMessage, { type: 'delta' | 'presence' }>) {
    this.replicas = m.type === 'delta' && replicaTableAtFront(m.delta) ? frontReplicaTable(m.delta).ids : []
  }

  /** The frame for a connection with these outgoing tables (which it may extend, as `encodeMessage` does). */
  frameFor(wire: WireTables): Uint8Array {
    let key = String(wire.docs.ref(this.m.doc))
    if (key === '0') return encodeMessage(this.m, wire)
    for (const id of this.replicas) {
      const ref = wire.replicas.ref(id)
      // A name this connection has not seen: its frame defines it, and its tables grow.
      if (ref === 0) return encodeMessage(this.m, wire)
      key += `,${ref}`
    }
    let frame = this.byRefs.get(key)
    if (frame === undefined) {
      frame = encodeMessage(this.m, wire)
      this.byRefs.set(key, frame)
    }
    return frame
  }
}
