import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { resolveLimits } from '../limits/limits.js'
import { createMetrics } from '../metrics/metrics.js'
import { SocketShell } from './socket-shell.js'

/** A ws stand-in that records frames, and a raw socket that records cork depth at each frame. */
function fakes() {
  const log: string[] = []
  let depth = 0
  const raw = {
    cork: () => void depth++,
    uncork: () => {
      depth--
      log.push(`uncork->${depth}`)
    },
  }
  const ws = Object.assign(new EventEmitter(), {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    binaryType: 'nodebuffer',
    send: (bytes: Uint8Array) => log.push(`send ${bytes[0]} corked=${depth > 0}`),
  })
  const shell = new SocketShell(ws as unknown as WebSocket, raw as unknown as Duplex, {
    limits: resolveLimits({}),
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
  })
  return { shell, log, depth: () => depth }
}

describe('SocketShell', () => {
  it('sends every frame of one task under one cork and uncorks after the task, once', async () => {
    const { shell, log, depth } = fakes()
    shell.send(new Uint8Array([1]))
    shell.send(new Uint8Array([2]))
    shell.send(new Uint8Array([3]))
    expect(depth()).toBe(1)
    await new Promise((r) => setImmediate(r))
    expect(depth()).toBe(0)
    expect(log).toEqual(['send 1 corked=true', 'send 2 corked=true', 'send 3 corked=true', 'uncork->0'])
    // A later task corks again.
    shell.send(new Uint8Array([4]))
    await new Promise((r) => setImmediate(r))
    expect(log.slice(4)).toEqual(['send 4 corked=true', 'uncork->0'])
  })
})
