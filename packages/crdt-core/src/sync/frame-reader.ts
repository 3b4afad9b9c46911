import { decodeMessage } from './codec.js'
import { FrameAssembler } from './frame-parts.js'
import type { ProtocolMessage } from './messages/index.js'
import { PROTOCOL_VERSION } from './protocol-version.js'
import { WireTables } from './wire-tables.js'

/**
 * Reads what one side of one connection sends, frame by frame in order, in
 * either protocol: joins parts ([PART-1]) and keeps the protocol-2 tables
 * ([WIRE-1]) a receiver needs. For tools and tests that watch a connection
 * from outside (a capture, a recording transport); the sync state machines
 * keep their own. Throws `WeftDecodeError` or `WeftSyncError` as they would.
 */
export class FrameReader {
  private readonly parts: FrameAssembler
  private wire: WireTables | undefined

  constructor(maxMessageBytes = 1 << 30) {
    this.parts = new FrameAssembler(maxMessageBytes)
  }

  /** The message `frame` completes; undefined while the parts of one are arriving. */
  read(frame: Uint8Array): ProtocolMessage | undefined {
    const whole = this.parts.push(frame)
    if (whole === undefined) return undefined
    if (whole[0] === PROTOCOL_VERSION) this.wire ??= new WireTables()
    return decodeMessage(whole, this.wire)
  }
}
