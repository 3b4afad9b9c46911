import { describe, expect, it } from 'vitest'
import { StoreProbe } from './store-probe.js'

const tick = () => new Promise((r) => setImmediate(r))

describe('StoreProbe: /healthz answers from memory, the store is probed in the background', () => {
  it('is healthy after a round trip, unhealthy after a failed one, and again after a good one', async () => {
    let now = 0
    let fail = false
    const probe = new StoreProbe({ check: async () => (fail ? Promise.reject(new Error('down')) : undefined), intervalMs: 60_000, now: () => now })
    await tick()
    expect(probe.status()).toEqual({ ok: true, latencyMs: 0 })
    fail = true
    ;(probe as unknown as { probe(): void }).probe()
    await tick()
    expect(probe.status().ok).toBe(false)
    fail = false
    now = 5
    ;(probe as unknown as { probe(): void }).probe()
    await tick()
    expect(probe.status().ok).toBe(true)
    probe.stop()
  })

  it('turns unhealthy while a round trip hangs past the timeout, without piling up round trips', async () => {
    let now = 0
    let calls = 0
    const probe = new StoreProbe({
      check: () => {
        calls++
        return new Promise(() => {})
      },
      intervalMs: 60_000,
      timeoutMs: 2000,
      now: () => now,
    })
    now = 1999
    expect(probe.status().ok).toBe(true)
    now = 2001
    expect(probe.status().ok).toBe(false)
    ;(probe as unknown as { probe(): void }).probe()
    expect(calls).toBe(1)
    probe.stop()
  })
})
