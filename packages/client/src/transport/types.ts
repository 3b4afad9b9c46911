/** Why a connection ended. */
export interface CloseInfo {
  /** WebSocket close code when there was one. */
  readonly code?: number
  readonly reason: string
}

/** Callbacks of one connection attempt. After the caller's `close()`, none fire again. */
export interface TransportHandlers {
  onOpen(): void
  onMessage(frame: Uint8Array): void
  /** Called exactly once per attempt that did not end by the caller's `close()`, opened or not. */
  onClose(info: CloseInfo): void
}

/** One live (or opening) connection. */
export interface Connection {
  /** Send one binary frame; dropped if the connection is not open. */
  send(frame: Uint8Array): void
  close(): void
}

/** Opens binary, message-framed connections to a sync server. */
export interface Transport {
  connect(handlers: TransportHandlers): Connection
}
