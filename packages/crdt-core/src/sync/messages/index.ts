import type { ConnectionMessage } from './connection.js'
import type { DocSyncMessage } from './doc-sync.js'
import type { PresenceMessage } from './presence.js'
import type { StrongProtocolMessage } from './strong.js'

export type { HelloMessage, WelcomeMessage, FrameLimits, PingMessage, PongMessage, ErrorMessage, ConnectionMessage } from './connection.js'
export type {
  SubscribeMessage,
  UnsubscribeMessage,
  SyncMessage,
  DeltaMessage,
  AckMessage,
  DigestMessage,
  HealMessage,
  DocSyncMessage,
} from './doc-sync.js'
export type { PresenceMessage } from './presence.js'
export type {
  StrongRequest,
  StrongOpName,
  StrongResult,
  StrongFailure,
  StrongMessage,
  StrongResultMessage,
  StrongErrorMessage,
  StrongProtocolMessage,
} from './strong.js'

/** Every frame of the Weft sync protocol, discriminated by `type`. */
export type ProtocolMessage = ConnectionMessage | DocSyncMessage | PresenceMessage | StrongProtocolMessage

export type MessageType = ProtocolMessage['type']

/** Messages that concern one doc (they carry `doc`). */
export type DocMessage = Extract<ProtocolMessage, { readonly doc: string }>

const DOC_TYPES = new Set<MessageType>(['subscribe', 'unsubscribe', 'sync', 'delta', 'ack', 'digest', 'heal', 'presence'])

/** True for the message types that carry a `doc` ([FRAME-4]). Error messages may carry one too but are connection-scoped by type. */
export function isDocMessage(m: ProtocolMessage): m is DocMessage {
  return DOC_TYPES.has(m.type)
}

/** Narrows a message to one type. */
export function isMessageOfType<T extends MessageType>(m: ProtocolMessage, type: T): m is Extract<ProtocolMessage, { type: T }> {
  return m.type === type
}
