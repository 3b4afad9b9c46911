/**
 * @weft/crdt-core: delta-state CRDT documents and the sync protocol, with no I/O.
 */
export { WeftDecodeError, WeftCausalBufferFullError, isWeftDecodeError } from './errors.js'
export type { DecodeErrorCode } from './errors.js'
export { Writer, Reader } from './encoding/index.js'
