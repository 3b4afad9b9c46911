import { WebSocket } from 'ws'
import { createClient, memoryStorage, webSocketTransport, type Client, type DocHandle, type Storage, type WebSocketConstructor } from '@weft/client'
import type { VersionVector } from '@weft/crdt-core'
import { withTimeout, type BenchClient, type ConnectClient } from './types.js'

const NO_COMPACTION = { maxLogCount: Number.MAX_SAFE_INTEGER, maxLogBytes: Number.MAX_SAFE_INTEGER }

/** `ws` with a byte counter on incoming frames, handed to the client's transport. */
function countingWebSocket(counter: { bytes: number }): WebSocketConstructor {
  class Counting extends WebSocket {
    constructor(url: string) {
      super(url, { perMessageDeflate: false })
      this.on('message', (data: Buffer) => {
        counter.bytes += data.byteLength
      })
    }
  }
  return Counting as unknown as WebSocketConstructor
}

/** The real `@weft/client` in Node: memory storage, no tabs, one socket per client. */
class WeftBenchClient implements BenchClient {
  private readonly storage: Storage = memoryStorage()
  private readonly counter = { bytes: 0 }
  private client: Client | undefined
  private handle: DocHandle | undefined
  private readonly listeners: (() => void)[] = []

  constructor(
    private readonly url: string,
    private readonly docId: string,
  ) {}

  get bytesIn(): number {
    return this.counter.bytes
  }

  async connect(): Promise<void> {
    // A/B of the delta format's bytes: WEFT_BENCH_DELTA_FORMAT=5 (or 4, 3) writes edits as builds before v6 (or v5, v4) did.
    const deltaFormat = deltaFormatOf(process.env['WEFT_BENCH_DELTA_FORMAT'])
    const client = createClient({
      storage: this.storage,
      tabs: false,
      online: false,
      // One process hosts every simulated device: their local-log compactions (each a whole-doc
      // encode + deflate, every 200 edits) would queue behind one another here, not on real devices.
      compaction: NO_COMPACTION,
      transport: webSocketTransport(this.url, { WebSocket: countingWebSocket(this.counter) }),
      ...(deltaFormat !== undefined && { deltaFormat }),
    })
    this.client = client
    const handle = client.doc(this.docId)
    this.handle = handle
    handle.doc.on('change', (e) => {
      if (!e.local) for (const fn of this.listeners) fn()
    })
    await handle.ready
    await withTimeout(
      new Promise<void>((resolve) => {
        if (handle.status.connection === 'synced') return resolve()
        const off = handle.on('status', (s) => {
          if (s.connection === 'synced') {
            off()
            resolve()
          }
        })
      }),
      30_000,
      `weft sync of ${this.docId}`,
    )
  }

  private get live(): DocHandle {
    if (!this.handle) throw new Error('not connected')
    return this.handle
  }

  edit(key: string, seq: number, chars = 'x'): void {
    const doc = this.live.doc
    const text = doc.getText('t')
    doc.transact(() => {
      text.insert(text.length, chars)
      doc.getMap('m').set(key, seq)
    })
  }

  read(key: string): number | undefined {
    const v = this.live.doc.getMap('m').get(key)
    return typeof v === 'number' ? v : undefined
  }

  onRemoteChange(fn: () => void): void {
    this.listeners.push(fn)
  }

  textLength(): number {
    return this.live.doc.getText('t').length
  }

  stateMarker(): unknown {
    return this.live.doc.versionVector()
  }

  encodedSizeSince(marker: unknown): number {
    return this.live.doc.encodeDeltaSince(marker as VersionVector).byteLength
  }

  whenAcked(): Promise<void> {
    return this.live.whenSaved('server')
  }

  async disconnect(): Promise<void> {
    const c = this.client
    this.client = undefined
    this.handle = undefined
    await c?.close()
  }

  reconnect(): Promise<void> {
    return this.connect()
  }

  close(): Promise<void> {
    return this.disconnect()
  }
}

export const connectWeft: ConnectClient = async (url, docId) => {
  const c = new WeftBenchClient(url, docId)
  await c.connect()
  return c
}

/** `WEFT_BENCH_DELTA_FORMAT`'s value as a writable delta format; undefined (the default format) for anything else. */
function deltaFormatOf(value: string | undefined): 3 | 4 | 5 | 6 | undefined {
  return value === '3' || value === '4' || value === '5' || value === '6' ? (Number(value) as 3 | 4 | 5 | 6) : undefined
}
