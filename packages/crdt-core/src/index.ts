/**
 * @weft/crdt-core: delta-state CRDT documents and the sync protocol, with no I/O.
 */
export { Doc } from './doc/doc.js'
export type { DocOptions, ChangeEvent } from './doc/doc.js'
export { WeftText } from './containers/text.js'
export type { FormatOptions } from './containers/text.js'
export { defaultExpand } from './text/marks.js'
export type { MarkExpand, TextSpan } from './text/marks.js'
export type { TextDelta, TextDeltaOp } from './text/text-delta.js'
export { isTextCursor } from './text/cursor.js'
export type { TextCursor, CursorAssoc } from './text/cursor.js'
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
export { dotFingerprints } from './delta/dot-fingerprints.js'
export type { DeltaInfo, AppliedDeltaInfo } from './delta/inspect.js'
export type { DecodeOptions, WritableDeltaFormat } from './delta/codec.js'
export { MAX_CONTAINER_DEPTH, MAX_KEY_BYTES, MAX_MOVE_LEN, MAX_STRING_BYTES, DEFAULT_MAX_INFLATED_BYTES, TRUSTED_MAX_INFLATED_BYTES } from './limits.js'
export { DELTA_FORMAT_VERSION } from './delta/codec.js'
export { WeftDecodeError, WeftDepthError, WeftCausalBufferFullError, WeftRootKindError, isWeftDecodeError } from './errors.js'
export type { DecodeErrorCode } from './errors.js'
export { Writer, Reader } from './encoding/index.js'
export { randomReplicaId } from './ids.js'
export { UndoManager } from './undo/undo-manager.js'
export type { UndoManagerOptions } from './undo/undo-manager.js'

// The sync protocol (see sync/SPEC.md).
export { PROTOCOL_VERSION } from './sync/index.js'
export { encodeMessage, decodeMessage, peekFrameVersion, MAX_DOC_ID_LENGTH } from './sync/index.js'
export { isDocMessage, isMessageOfType } from './sync/index.js'
export { FrameAssembler, splitFrame, isPartFrame, PART_TAG } from './sync/index.js'
export { FrameReader, WireTables, WIRE_MAX_DOCS, WIRE_MAX_REPLICAS, type WireMark } from './sync/index.js'
export type {
  ProtocolMessage,
  MessageType,
  DocMessage,
  HelloMessage,
  WelcomeMessage,
  FrameLimits,
  PingMessage,
  PongMessage,
  ErrorMessage,
  SubscribeMessage,
  UnsubscribeMessage,
  SyncMessage,
  DeltaMessage,
  AckMessage,
  DigestMessage,
  HealMessage,
  PresenceMessage,
  StrongRequest,
  StrongOpName,
  StrongResult,
  StrongFailure,
  StrongMessage,
  StrongResultMessage,
  StrongErrorMessage,
} from './sync/index.js'
export { WeftSyncError, isWeftSyncError, isSyncErrorCode, isFatalSyncErrorCode, SYNC_ERROR_CODES } from './sync/index.js'
export type { SyncErrorCode } from './sync/index.js'
export { SYNC_ORIGIN } from './sync/index.js'
export { strongFailureError, claimResultOf, registerResultOf, counterResultOf, strongInputProblem } from './sync/index.js'
export type { SyncDoc, DocModel } from './sync/index.js'
export { createDocModel } from './sync/index.js'
export type { DocModelOptions } from './sync/index.js'
export type { DurabilityLevel, DurabilityPositions, OutboxEntry, RestoredDoc } from './sync/index.js'
export { ClientSession } from './sync/index.js'
export type { ClientSessionOptions, ClientSessionStats, ClientConnectionPhase } from './sync/index.js'
export type { ClientEffect, DocSyncStatus } from './sync/index.js'
export { SyncServer } from './sync/index.js'
export type { SyncServerOptions, SyncServerStats, DocAccess, AuthResult, LoadedDocData } from './sync/index.js'
export type { ServerEffect, ConnectionId } from './sync/index.js'
export { seededRandom } from './seeded-random.js'

// Strong (CP) operations: values, errors and argument checks shared by server and client ([STRONG-1]..).
export type { StrongValue, ClaimResult, RegisterResult, CounterResult, CounterBounds } from './strong/strong-values.js'
export {
  WeftUnavailableError,
  WeftOutcomeUnknownError,
  WeftStrongInputError,
  isWeftUnavailableError,
  isWeftOutcomeUnknownError,
  isWeftStrongInputError,
  UNAVAILABLE_CODES,
  OUTCOME_UNKNOWN_CODES,
  STRONG_INPUT_ERROR_CODES,
} from './strong/strong-errors.js'
export type { UnavailableCode, OutcomeUnknownCode, StrongInputErrorCode } from './strong/strong-errors.js'
export {
  canonicalJson,
  checkAdd,
  checkKey,
  checkOwner,
  parseValue,
  MAX_KEY_BYTES as MAX_STRONG_KEY_BYTES,
  MAX_VALUE_BYTES as MAX_STRONG_VALUE_BYTES,
} from './strong/strong-input.js'
export type { CheckedAdd } from './strong/strong-input.js'
