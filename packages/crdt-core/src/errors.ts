/**
 * Errors raised by crdt-core. Each condition has one class; `code` is a closed
 * set so callers (and the wire protocol) can branch on it without parsing text.
 */

/** Why a byte sequence was rejected by a decoder. */
export type DecodeErrorCode =
  | 'truncated' // ran past the end of the input
  | 'bad-version' // first byte is not a format version we read
  | 'bad-varint' // a varint longer than 8 bytes or above 2^53 - 1
  | 'out-of-range' // a count, length or index that the input cannot hold
  | 'unknown-kind' // an unknown tag (container kind, value kind, message type)
  | 'invalid' // structurally well-formed but inconsistent (e.g. a reference to nothing)
  | 'trailing-bytes' // input continues after a complete value
  | 'too-large' // a string, key or inflated body over its bound (see limits.ts)
  | 'too-deep' // containers nested deeper than MAX_CONTAINER_DEPTH (thrown as WeftDepthError)

/** Thrown when bytes cannot be decoded; nothing was applied when it is thrown. */
export class WeftDecodeError extends Error {
  override readonly name: string = 'WeftDecodeError'
  readonly code: DecodeErrorCode
  constructor(code: DecodeErrorCode, message: string) {
    super(`${message} (decode error: ${code})`)
    this.code = code
  }
}

/**
 * Containers nested deeper than the bound (`MAX_CONTAINER_DEPTH`), by the
 * public API or in decoded bytes. A `WeftDecodeError` (code 'too-deep') so
 * every handler of bad bytes handles it; nothing was applied when it is thrown.
 */
export class WeftDepthError extends WeftDecodeError {
  override readonly name = 'WeftDepthError'
  constructor(
    readonly depth: number,
    readonly maxDepth: number,
  ) {
    super('too-deep', `containers nested ${depth} deep, past the limit of ${maxDepth}: keep nesting shallower (store deep data as a JSON value)`)
  }
}

/** Thrown by `applyDelta` when the causal buffer is full; resync the doc with `encodeDeltaSince`. */
export class WeftCausalBufferFullError extends Error {
  override readonly name = 'WeftCausalBufferFullError'
  constructor(
    readonly pendingCount: number,
    readonly pendingBytes: number,
  ) {
    super(
      `causal buffer full (${pendingCount} deltas, ${pendingBytes} bytes waiting for missing dependencies): ` +
        'request the missing history with encodeDeltaSince(doc.versionVector()) from a peer, or raise maxPendingDeltas/maxPendingBytes',
    )
  }
}

/**
 * Thrown by `getText` / `getList` / `getMap` / `getCounter` when a root of that name already exists
 * with another kind (here, or merged in from a replica that used the name differently). Root names
 * are shared by every replica, so each name must keep one kind.
 */
export class WeftRootKindError extends Error {
  override readonly name = 'WeftRootKindError'
  constructor(
    readonly rootName: string,
    readonly requested: string,
    readonly existing: string,
  ) {
    super(
      `root "${rootName}" is a ${existing}, but was asked for as a ${requested}: ` +
        `use get${cap(existing)}("${rootName}"), or give the ${requested} a name of its own`,
    )
  }
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

export function isWeftDecodeError(e: unknown): e is WeftDecodeError {
  return e instanceof WeftDecodeError
}
