import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BusDecodeError, decodeBusMessage, encodeCommittedDelta, encodeHeadsBeat } from './bus-codec.js'
import { runBusContract } from './bus-contract.js'
import { InProcessBusHub } from './in-process-bus.js'
import { NatsBus } from './nats-bus.js'

const NATS_URL = process.env.WEFT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222'

runBusContract('InProcessBusHub', async () => {
  const hub = new InProcessBusHub()
  return { a: hub.connect('a'), b: hub.connect('b') }
})

runBusContract('NatsBus (the local NATS server, subjects of its own)', async () => {
  const prefix = `weft_test_${randomBytes(4).toString('hex')}`
  return { a: await NatsBus.connect({ url: NATS_URL, node: 'a', prefix }), b: await NatsBus.connect({ url: NATS_URL, node: 'b', prefix }) }
})

describe('bus codec', () => {
  it('round-trips deltas and beats, and refuses other versions and damage with BusDecodeError', () => {
    const e = { doc: 'note:é', seq: 2 ** 40, delta: new Uint8Array([1, 2, 3]), node: 'n1', sentAt: 1234.5 }
    expect(decodeBusMessage(encodeCommittedDelta(e))).toEqual({ type: 'delta', ...e })
    const b = {
      node: 'n2',
      sentAt: 9,
      heads: [
        { doc: 'a', seq: 1 },
        { doc: 'b', seq: 99 },
      ],
    }
    expect(decodeBusMessage(encodeHeadsBeat(b))).toEqual({ type: 'beat', ...b })
    const bytes = encodeCommittedDelta(e)
    expect(() => decodeBusMessage(Uint8Array.of(9, ...bytes.subarray(1)))).toThrow(BusDecodeError)
    expect(() => decodeBusMessage(bytes.subarray(0, bytes.length - 1))).toThrow(BusDecodeError)
    expect(() => decodeBusMessage(Uint8Array.of(1, 77))).toThrow(BusDecodeError)
  })

  it('a NATS server that cannot be reached fails the connection within the timeout', async () => {
    const started = Date.now()
    await expect(NatsBus.connect({ url: 'nats://127.0.0.1:1', node: 'x', connectTimeoutMs: 1000 })).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
