import { PROTOCOL_VERSION } from './protocol-version.js'
import { WeftSyncError } from './sync-error.js'

/**
 * Frames larger than the peer accepts travel as parts ([PART-1]): a part frame
 * is `[protocol version][PART_TAG][more: 0 | 1][a slice of the whole frame]`,
 * in the whole frame's protocol version.
 * The parts of one frame are sent back to back, nothing in between; the
 * receiver joins them and handles the result as the one frame it was.
 */
export const PART_TAG = 6
const PART_HEADER = 3

/** Smallest frame limit parts can work with (a header and at least one byte). */
export const MIN_PART_FRAME_BYTES = PART_HEADER + 1

/** True when `frame` is a part of a larger frame. */
export function isPartFrame(frame: Uint8Array): boolean {
  return frame.length >= 2 && frame[0]! >= 1 && frame[0]! <= PROTOCOL_VERSION && frame[1] === PART_TAG
}

/**
 * `frame` itself when it fits in `maxFrameBytes`, else its parts, each at
 * most `maxFrameBytes` long.
 */
export function splitFrame(frame: Uint8Array, maxFrameBytes: number): Uint8Array[] {
  if (frame.length <= maxFrameBytes) return [frame]
  if (maxFrameBytes < MIN_PART_FRAME_BYTES) throw new RangeError(`frame limit ${maxFrameBytes} is too small to carry parts`)
  const room = maxFrameBytes - PART_HEADER
  const parts: Uint8Array[] = []
  for (let at = 0; at < frame.length; at += room) {
    const slice = frame.subarray(at, Math.min(frame.length, at + room))
    const part = new Uint8Array(PART_HEADER + slice.length)
    part[0] = frame[0]!
    part[1] = PART_TAG
    part[2] = at + room < frame.length ? 1 : 0
    part.set(slice, PART_HEADER)
    parts.push(part)
  }
  return parts
}

/**
 * Joins part frames back into the frame they were cut from, refusing a whole
 * larger than `maxBytes` as soon as it passes it (nothing above the bound is
 * ever held). One per connection and direction.
 */
export class FrameAssembler {
  private parts: Uint8Array[] = []
  private size = 0

  constructor(private readonly maxBytes: number) {}

  /** True while the parts of a frame are arriving: anything but a part now is a protocol error. */
  get assembling(): boolean {
    return this.parts.length > 0
  }

  /**
   * Takes one frame off the wire. Returns the frame to handle: `frame` itself
   * when it is no part, the joined frame after the last part, undefined while
   * parts are still arriving. Throws `WeftSyncError` (`too-large` past the
   * bound, `bad-frame` for a frame between parts or a malformed part).
   */
  push(frame: Uint8Array): Uint8Array | undefined {
    if (!isPartFrame(frame)) {
      if (this.assembling) {
        this.reset()
        throw new WeftSyncError('bad-frame', 'a frame arrived between the parts of another')
      }
      return frame
    }
    const more = frame[2]
    if (frame.length <= PART_HEADER || (more !== 0 && more !== 1)) {
      this.reset()
      throw new WeftSyncError('bad-frame', 'malformed part frame')
    }
    this.size += frame.length - PART_HEADER
    if (this.size > this.maxBytes) {
      this.reset()
      throw new WeftSyncError('too-large', `a frame sent in parts exceeds ${this.maxBytes} bytes`)
    }
    this.parts.push(frame.subarray(PART_HEADER))
    if (more === 1) return undefined
    const whole = new Uint8Array(this.size)
    let at = 0
    for (const p of this.parts) {
      whole.set(p, at)
      at += p.length
    }
    this.reset()
    return whole
  }

  reset(): void {
    this.parts = []
    this.size = 0
  }
}
