import type { Transport } from '@weft/client'

/** Wraps a transport and keeps every frame the client sends, to measure uploads. */
export function recordingTransport(inner: Transport): { transport: Transport; readonly sent: Uint8Array[] } {
  const sent: Uint8Array[] = []
  return {
    sent,
    transport: {
      connect(h) {
        const conn = inner.connect(h)
        return {
          send: (f) => {
            sent.push(f)
            conn.send(f)
          },
          close: () => conn.close(),
        }
      },
    },
  }
}
