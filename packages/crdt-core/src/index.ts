/**
 * @weft/crdt-core: delta-state CRDT documents and the sync protocol, with no I/O.
 */
export { Doc } from './doc/doc.js'
export type { DocOptions, ChangeEvent } from './doc/doc.js'
export { WeftText } from './containers/text.js'
export { WeftList } from './containers/list.js'
export { WeftMap } from './containers/map.js'
export { WeftCounter } from './containers/counter.js'
export type { Container, ContainerByKind } from './containers/container.js'
export type { ContainerKind } from './containers/kind.js'
export type { JsonValue } from './values.js'
export {
  decodeVersionVector,
  encodeVersionVector,
  vvCovers,
  vvEquals,
  vvMerge,
  readVersionVector,
  writeVersionVector,
} from './version-vector.js'
export type { VersionVector } from './version-vector.js'
export { inspectDelta } from './delta/inspect.js'
export type { DeltaInfo } from './delta/inspect.js'
export { DELTA_FORMAT_VERSION } from './delta/codec.js'
export { WeftDecodeError, WeftCausalBufferFullError, isWeftDecodeError } from './errors.js'
export type { DecodeErrorCode } from './errors.js'
export { Writer, Reader } from './encoding/index.js'
export { randomReplicaId } from './ids.js'
export { UndoManager } from './undo/undo-manager.js'
export type { UndoManagerOptions } from './undo/undo-manager.js'
