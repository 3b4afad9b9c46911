import type { ProtocolMessage } from './messages/index.js'

/** One fixed message of every type, for golden vectors and fuzz seeds. */
export const SAMPLE_MESSAGES: readonly ProtocolMessage[] = [
  { type: 'hello', token: 'tok', clientName: 'web' },
  { type: 'welcome', peerId: 7 },
  { type: 'ping' },
  { type: 'pong' },
  { type: 'error', code: 'read-only', message: 'no', doc: 'd' },
  { type: 'error', code: 'bad-frame', message: 'bad' },
  { type: 'subscribe', doc: 'note:1', vv: { 5: 3, 300: 1 } },
  { type: 'unsubscribe', doc: 'note:1' },
  { type: 'sync', doc: 'd', vv: { 1: 2 }, delta: new Uint8Array([1, 2, 3]) },
  { type: 'sync', doc: 'd', vv: {}, delta: new Uint8Array(0) },
  { type: 'delta', doc: 'd', seq: 130, delta: new Uint8Array([9, 8]) },
  { type: 'ack', doc: 'd', clientSeq: 4, serverSeq: 200 },
  { type: 'digest', doc: 'd', vv: { 2: 1 }, hash: 'ab01' },
  { type: 'heal', doc: 'd', state: new Uint8Array([1]) },
  { type: 'presence', doc: 'd', peerId: 0, state: { cursor: 3, name: 'Ann' } },
  { type: 'presence', doc: 'd', peerId: 9, state: null },
]
