import { describe, expect, it } from 'vitest'
import { ManualTimers } from '../test-support/manual-timers.js'
import { MemoryNetwork } from './memory-transport.js'
import { ReconnectingLink, type LinkState } from './reconnecting-link.js'

function setup(opts: { online?: boolean; withOnlineSignal?: boolean } = {}) {
  const net = new MemoryNetwork()
  net.online = opts.online ?? true
  const received: Uint8Array[] = []
  net.accept((peer) => peer.onMessage((f) => peer.send(f))) // echo
  const timers = new ManualTimers()
  const states: LinkState[] = []
  let fireOnline: () => void = () => undefined
  let opens = 0
  const link = new ReconnectingLink({
    transport: net.transport,
    timers,
    backoff: { baseMs: 100, maxMs: 1600, random: () => 0.5 },
    ...(opts.withOnlineSignal && {
      online: {
        subscribe: (fn: () => void) => {
          fireOnline = fn
          return () => undefined
        },
      },
    }),
    onOpen: () => opens++,
    onMessage: (f) => received.push(f),
    onClose: () => undefined,
    onState: (s) => states.push(s),
  })
  return { net, timers, link, states, received, opens: () => opens, online: () => fireOnline() }
}

describe('ReconnectingLink', () => {
  it('connects, carries frames, and reconnects after a drop', async () => {
    const { net, timers, link, states, received, opens } = setup()
    link.start()
    await timers.advance(0)
    expect(link.state).toBe('open')
    link.send(new Uint8Array([7]))
    await timers.advance(0)
    expect(received).toEqual([new Uint8Array([7])])
    net.dropAll()
    await timers.advance(0)
    expect(link.state).toBe('offline')
    await timers.advance(100)
    expect(link.state).toBe('open')
    expect(opens()).toBe(2)
    expect(states).toEqual(['connecting', 'open', 'offline', 'connecting', 'open'])
    link.stop()
  })

  it('[CLIENT-NET-1] backs off exponentially with jitter while the server is unreachable, and never gives up', async () => {
    const { net, timers, link } = setup({ online: false })
    link.start()
    const delays: number[] = []
    for (let i = 0; i < 7; i++) {
      await timers.advance(0)
      delays.push(...timers.delays().filter((d) => d < 10_000)) // ignore the connect timeout
      await timers.advance(timers.delays().filter((d) => d < 10_000)[0] ?? 0)
    }
    expect(delays).toEqual([75, 150, 300, 600, 1200, 1200, 1200])
    expect(net.connects).toBe(8)
    net.online = true
    await timers.advance(1200)
    expect(link.state).toBe('open')
    link.stop()
  })

  it('[CLIENT-NET-2] an online event skips the backoff wait; without one the backoff still retries', async () => {
    const { net, timers, link, online } = setup({ online: false, withOnlineSignal: true })
    link.start()
    for (let i = 0; i < 5; i++) await timers.advance(1000) // deep into backoff: waits are now ~1.2 s
    net.online = true
    expect(link.state).toBe('offline')
    online() // the hint: connect at once
    await timers.advance(0)
    expect(link.state).toBe('open')
    // Without the hint, the next backoff attempt gets there anyway.
    net.dropAll()
    net.online = false
    await timers.advance(0)
    net.online = true
    await timers.advance(1200)
    expect(link.state).toBe('open')
    link.stop()
  })

  it('gives up on an attempt that hangs and tries again', async () => {
    const { net, timers, link } = setup()
    net.accept(() => undefined)
    // A transport whose connection never opens.
    const hanging = new ReconnectingLink({
      transport: { connect: () => ({ send: () => undefined, close: () => undefined }) },
      timers,
      connectTimeoutMs: 1000,
      backoff: { baseMs: 100, random: () => 0 },
      onOpen: () => undefined,
      onMessage: () => undefined,
      onClose: () => undefined,
      onState: () => undefined,
    })
    hanging.start()
    await timers.advance(999)
    expect(hanging.state).toBe('connecting')
    await timers.advance(1)
    expect(hanging.state).toBe('offline')
    await timers.advance(50)
    expect(hanging.state).toBe('connecting')
    hanging.stop()
    link.stop()
  })
})
