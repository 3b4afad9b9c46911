import type { JsonValue } from '../../values.js'

/**
 * Ephemeral per-doc, per-connection state ([PRES-1]). A client sends
 * `peerId` 0; the server overwrites it with the sender's id when relaying
 * ([PRES-2]). `state` null means the peer left.
 */
export interface PresenceMessage {
  readonly type: 'presence'
  readonly doc: string
  readonly peerId: number
  readonly state: JsonValue | null
}
