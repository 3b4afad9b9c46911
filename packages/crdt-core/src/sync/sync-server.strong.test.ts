import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessage } from './codec.js'
import type { ProtocolMessage, StrongRequest } from './messages/index.js'
import type { ServerEffect } from './server-effects.js'
import { SyncServer } from './sync-server.js'
import type { SyncServerOptions } from './sync-server-options.js'

function make(opts: Partial<SyncServerOptions<string>> = {}): SyncServer<string> {
  const s = new SyncServer<string>({ authenticate: () => ({ ok: true as const, principal: 'ann' }), ...opts })
  s.connect(1, 0)
  s.receive(1, encodeMessage({ type: 'hello', token: '', clientName: 't' }), 0)
  return s
}

function strong(s: SyncServer<string>, id: number, request: StrongRequest): ServerEffect[] {
  return s.receive(1, encodeMessage({ type: 'strong', id, request }), 0)
}

function sent(effects: ServerEffect[]): ProtocolMessage[] {
  return effects.flatMap((e) => (e.type === 'send' ? [decodeMessage(e.frame)] : []))
}

const claim: StrongRequest = { op: 'claim', key: '/n/trip', owner: 'ann' }

describe('SyncServer strong operations', () => {
  it('[STRONG-2] a request becomes one strong effect; its answer goes back with the same id', () => {
    const s = make()
    const out = strong(s, 7, claim)
    expect(out).toEqual([{ type: 'strong', conn: 1, id: 7, request: claim }])
    expect(sent(s.strongAnswered(1, 7, { kind: 'claim', ok: true, holder: 'ann' }))).toEqual([
      { type: 'strongResult', id: 7, result: { kind: 'claim', ok: true, holder: 'ann' } },
    ])
    // Answered once: a second answer for the same id is dropped.
    expect(s.strongAnswered(1, 7, { kind: 'claim', ok: true, holder: 'ann' })).toEqual([])
  })

  it('[STRONG-2] failures travel as strongError; an answer for a closed connection is dropped', () => {
    const s = make()
    strong(s, 1, claim)
    strong(s, 2, claim)
    expect(sent(s.strongAnswered(1, 1, { kind: 'unavailable', code: 'no-quorum', message: 'no leader' }))).toEqual([
      { type: 'strongError', id: 1, failure: { kind: 'unavailable', code: 'no-quorum', message: 'no leader' } },
    ])
    s.disconnect(1)
    expect(s.strongAnswered(1, 2, { kind: 'claim', ok: true, holder: 'ann' })).toEqual([])
  })

  it('[STRONG-3] authorized per key like a doc: write to change, read to read; refusals keep the connection', () => {
    const asked: string[] = []
    const s = make({
      authorize: (_p, key, access) => {
        asked.push(`${access}:${key}`)
        return access === 'read'
      },
    })
    const out = strong(s, 1, claim)
    expect(sent(out)).toEqual([{ type: 'strongError', id: 1, failure: expect.objectContaining({ kind: 'forbidden', code: 'forbidden' }) }])
    expect(out.some((e) => e.type === 'strong' || e.type === 'close')).toBe(false)
    expect(strong(s, 2, { op: 'readClaim', key: '/n/trip' })).toEqual([expect.objectContaining({ type: 'strong', id: 2 })])
    expect(asked).toEqual(['write:/n/trip', 'read:/n/trip'])
  })

  it('[STRONG-3] at most maxStrongInFlight per connection; more are refused overloaded, nothing runs', () => {
    const s = make({ maxStrongInFlight: 2 })
    strong(s, 1, claim)
    strong(s, 2, claim)
    const out = strong(s, 3, claim)
    expect(sent(out)).toEqual([{ type: 'strongError', id: 3, failure: expect.objectContaining({ kind: 'unavailable', code: 'overloaded' }) }])
    s.strongAnswered(1, 1, { kind: 'claim', ok: true, holder: 'ann' })
    expect(strong(s, 4, claim)).toEqual([expect.objectContaining({ type: 'strong', id: 4 })])
  })

  it('[STRONG-3] frames count against the rate and size limits like any other', () => {
    const s = make({ maxFramesPerSecond: 3 })
    strong(s, 1, claim)
    strong(s, 2, claim)
    const out = strong(s, 3, claim)
    expect(out).toContainEqual(expect.objectContaining({ type: 'close', code: 'rate-limited' }))
    const big = make({ maxFrameBytes: 64 })
    expect(strong(big, 1, { op: 'compareAndSet', key: 'k', expected: null, next: 'x'.repeat(100) })).toContainEqual(
      expect.objectContaining({ type: 'close', code: 'too-large' }),
    )
  })

  it('[STRONG-3] a request id already in flight is a protocol error', () => {
    const s = make()
    strong(s, 1, claim)
    expect(strong(s, 1, claim)).toContainEqual(expect.objectContaining({ type: 'close', code: 'bad-frame' }))
  })

  it('[STRONG-1] a client never receives strong requests; a server never receives answers', () => {
    const s = make()
    const out = s.receive(1, encodeMessage({ type: 'strongResult', id: 1, result: { kind: 'counter', value: 1 } }), 0)
    expect(out).toContainEqual(expect.objectContaining({ type: 'close', code: 'bad-frame' }))
  })
})
