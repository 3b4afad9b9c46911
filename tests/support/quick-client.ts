import { type ClientOptions, memoryStorage } from '@weft/client'

/**
 * The options every fault test gives its clients besides `url`: memory storage, no tabs, no
 * browser online events, and quick to notice a dead connection (heartbeat 0.5 s, given up after
 * 2.5 s) and to retry (50-400 ms), so that a killed or cut-off server is left within a fault round.
 */
export function quickClientOptions(): Pick<ClientOptions, 'storage' | 'tabs' | 'online' | 'backoff' | 'session'> {
  return {
    storage: memoryStorage(),
    tabs: false,
    online: false,
    backoff: { baseMs: 50, maxMs: 400 },
    session: { heartbeatMs: 500, timeoutMs: 2500 },
  }
}
