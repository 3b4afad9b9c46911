import type { SyncErrorCode } from '../sync-error.js'

/** Client -> server, first frame of every connection ([HELLO-1]). The protocol version is the frame's first byte. */
export interface HelloMessage {
  readonly type: 'hello'
  /** Opaque credential handed to the server's `authenticate` hook ('' for none). */
  readonly token: string
  /** Free-form client description for logs and metrics. */
  readonly clientName: string
}

/** Server -> client: the hello was accepted; `peerId` is this connection's id in presence frames. */
export interface WelcomeMessage {
  readonly type: 'welcome'
  readonly peerId: number
  /** The server's frame limits ([PART-1]); absent from older servers (then 1 MiB frames are assumed). */
  readonly limits?: FrameLimits
}

/** What a peer accepts: frames up to `maxFrameBytes`, a frame sent in parts up to `maxMessageBytes` in all ([PART-1]). */
export interface FrameLimits {
  readonly maxFrameBytes: number
  readonly maxMessageBytes: number
}

/** Keep-alive request ([BEAT-1]). */
export interface PingMessage {
  readonly type: 'ping'
}

/** Keep-alive answer to a ping. */
export interface PongMessage {
  readonly type: 'pong'
}

/** A refusal ([ERR-1]); fatal codes are followed by the sender closing the connection. */
export interface ErrorMessage {
  readonly type: 'error'
  readonly code: SyncErrorCode
  readonly message: string
  /** The doc concerned; absent for connection-level errors. */
  readonly doc?: string
}

export type ConnectionMessage = HelloMessage | WelcomeMessage | PingMessage | PongMessage | ErrorMessage
