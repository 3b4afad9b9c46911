import { createClient, memoryStorage, webSocketTransport, type Client } from '@weft/client'
import { createServer, type WeftServer } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from './helpers/until.js'

// Issue #16 item 9: one tab seen over BroadcastChannel and through the server showed up twice (1 -> 2 -> 1).
const cleanup: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

function tab(server: WeftServer, name: string): Client {
  // The same `name` in one process: the two clients are two tabs of one origin, over Node's BroadcastChannel.
  const c = createClient({ name, transport: webSocketTransport(server.wsUrl), storage: memoryStorage(), online: false, backoff: { baseMs: 20, maxMs: 200 } })
  cleanup.push(() => c.close())
  return c
}

describe('[CLIENT-PRES-5] presence of two tabs over BroadcastChannel and a real server', () => {
  it('[CLIENT-PRES-5] each tab lists the other exactly once, never twice, and the entry leaves when the tab closes', async () => {
    const server = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
    cleanup.push(() => server.close())
    const name = `pres-${process.pid}-${Date.now()}`
    const a = tab(server, name).doc('note:p')
    const b = tab(server, name).doc('note:p')
    await Promise.all([a.ready, b.ready])
    await until(() => a.status.connection === 'synced' && b.status.connection === 'synced', 'both synced')
    const sizes: number[] = []
    a.on('presence', (others) => sizes.push(others.size))
    b.presence.set({ name: 'bob' })
    a.presence.set({ name: 'ann' })
    await until(() => a.presence.others.size === 1 && b.presence.others.size === 1, 'each sees the other')
    // Let both routes (channel and server) deliver, and a few updates after.
    for (let i = 0; i < 5; i++) {
      b.presence.set({ name: 'bob', caret: i })
      await new Promise((r) => setTimeout(r, 60))
    }
    await until(() => (a.presence.others.values().next().value as { caret?: number } | undefined)?.caret === 4, 'the latest state')
    expect([...a.presence.others.keys()]).toEqual([`tab:${b.doc.replicaId}`])
    expect([...b.presence.others.keys()]).toEqual([`tab:${a.doc.replicaId}`])
    expect(Math.max(...sizes)).toBe(1)
    await b.close()
    await until(() => a.presence.others.size === 0, 'b left')
  })
})
