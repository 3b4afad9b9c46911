/** The Weft sync protocol: messages, codec and the client/server state machines. See SPEC.md. */
export { PROTOCOL_VERSION } from './protocol-version.js'
export { encodeMessage, decodeMessage, peekFrameVersion, MAX_DOC_ID_LENGTH } from './codec.js'
export { isDocMessage, isMessageOfType } from './messages/index.js'
export { FrameAssembler, splitFrame, isPartFrame, PART_TAG } from './frame-parts.js'
export { FrameReader } from './frame-reader.js'
export { WireTables, WIRE_MAX_DOCS, WIRE_MAX_REPLICAS, type WireMark } from './wire-tables.js'
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
} from './messages/index.js'
export { WeftSyncError, isWeftSyncError, isSyncErrorCode, isFatalSyncErrorCode, SYNC_ERROR_CODES } from './sync-error.js'
export type { SyncErrorCode } from './sync-error.js'
export { SYNC_ORIGIN } from './sync-doc.js'
export type { SyncDoc, DocModel } from './sync-doc.js'
export { createDocModel } from './doc-model.js'
export type { DocModelOptions } from './doc-model.js'
export type { DurabilityLevel, DurabilityPositions, OutboxEntry, RestoredDoc } from './durability.js'
export { ClientSession } from './client-session.js'
export type { ClientSessionOptions, ClientSessionStats, ClientConnectionPhase } from './client-session.js'
export type { ClientEffect, DocSyncStatus } from './client-effects.js'
export { SyncServer } from './sync-server.js'
export type { SyncServerOptions, SyncServerStats, DocAccess, AuthResult, LoadedDocData } from './sync-server-options.js'
export type { ServerEffect, ConnectionId } from './server-effects.js'
export { strongFailureError, claimResultOf, registerResultOf, counterResultOf } from './strong-answers.js'
export { strongInputProblem } from './strong-checks.js'
