import type { Transport } from '@weft/client'
import { FrameReader, type ProtocolMessage } from '@weft/crdt-core'

/**
 * Wraps a transport and keeps every frame the client sends, to measure
 * uploads, with what each reads as on its connection (undefined for a part).
 */
export function recordingTransport(inner: Transport): {
  transport: Transport
  readonly sent: Uint8Array[]
  readonly messages: (ProtocolMessage | undefined)[]
} {
  const sent: Uint8Array[] = []
  const messages: (ProtocolMessage | undefined)[] = []
  return {
    sent,
    messages,
    transport: {
      connect(h) {
        const conn = inner.connect(h)
        const reader = new FrameReader()
        return {
          send: (f) => {
            sent.push(f)
            messages.push(reader.read(f))
            conn.send(f)
          },
          close: () => conn.close(),
        }
      },
    },
  }
}
