/**
 * @weft/client: the browser and Node runtime around crdt-core — local storage,
 * tab sync, transport, outbox and presence.
 */
export { createClient } from './client/create-client.js'
export type { Client, ClientEvents, ClientOptions } from './client/create-client.js'
export { DocHandle } from './handle/doc-handle.js'
export type { DocHandleEvents, DocPresence, PresenceTuning } from './handle/doc-handle.js'
export type { ConnectionStatus, DocStatus, SaveLevel } from './handle/status.js'
export type { PresenceKey } from './presence/presence.js'
export type { TokenSource } from './connection/sync-connection.js'
export { WeftAuthError, WeftStorageError, isWeftAuthError, isWeftStorageError } from './errors.js'
export type { AuthErrorReason, StorageErrorCode } from './errors.js'
export type { StrongClient } from './strong/strong-client.js'
export {
  WeftUnavailableError,
  WeftOutcomeUnknownError,
  WeftStrongInputError,
  isWeftUnavailableError,
  isWeftOutcomeUnknownError,
  isWeftStrongInputError,
} from '@weft/crdt-core'
export type {
  UnavailableCode,
  OutcomeUnknownCode,
  StrongInputErrorCode,
  StrongValue,
  ClaimResult,
  RegisterResult,
  CounterResult,
  CounterBounds,
} from '@weft/crdt-core'
export { memoryStorage } from './storage/memory-storage.js'
export { indexedDBStorage } from './storage/indexeddb-storage.js'
export type { IndexedDBStorageOptions } from './storage/indexeddb-storage.js'
export type {
  Storage,
  StoredDoc,
  DocMeta,
  LogEntry,
  LogOrigin,
  OutboxEntry,
  AppendResult,
} from './storage/types.js'
export type { CompactionPolicy } from './persistence/compaction.js'
export { webSocketTransport } from './transport/websocket-transport.js'
export type { ServerUrls, NearestRegions } from './transport/server-urls.js'
export { nearestRegionTransport, measureHealth } from './transport/nearest-region-transport.js'
export type { NearestRegionTransport, NearestRegionTransportOptions, MeasureRegion } from './transport/nearest-region-transport.js'
export { offlineSwitch } from './transport/offline-switch.js'
export type { OfflineSwitch } from './transport/offline-switch.js'
export type { WebSocketTransportOptions, WebSocketConstructor } from './transport/websocket-transport.js'
export type { Transport, Connection, TransportHandlers, CloseInfo } from './transport/types.js'
export type { BackoffOptions } from './transport/backoff.js'
export { backoffDelay } from './transport/backoff.js'
export type { OnlineSignal } from './transport/online-signal.js'
export type { LinkState } from './transport/reconnecting-link.js'
export { broadcastChannelFactory } from './tabs/tab-channel.js'
export type { TabChannel, TabChannelFactory } from './tabs/tab-channel.js'
export type { Timers } from './timers.js'
export { whenSavedIn, whenFresh, WeftLevelTimeoutError, WeftResidencyError } from './regions/region-levels.js'
export type { RegionSaveLevel, Freshness, RegionCallOptions } from './regions/region-levels.js'
