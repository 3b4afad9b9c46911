import { describe, expect, it } from 'vitest'
import type { WeftStorageError } from '../errors.js'
import { WeftStorageError as StorageError } from '../errors.js'
import { ManualTimers } from '../test-support/manual-timers.js'
import { WriteQueue } from './write-queue.js'

function setup() {
  const timers = new ManualTimers()
  const errors: WeftStorageError[] = []
  let recovered = 0
  const q = new WriteQueue({
    timers,
    retryBaseMs: 100,
    retryMaxMs: 1000,
    onError: (e) => errors.push(e),
    onRecovered: () => recovered++,
  })
  return { timers, errors, q, recovered: () => recovered }
}

describe('WriteQueue', () => {
  it('runs writes one at a time, in order', async () => {
    const { q } = setup()
    const log: string[] = []
    const op = (name: string) => () =>
      new Promise<string>((r) => {
        log.push(`start ${name}`)
        setTimeout(() => {
          log.push(`end ${name}`)
          r(name)
        }, 1)
      })
    const results = await Promise.all([q.enqueue(op('a')), q.enqueue(op('b'))])
    expect(results).toEqual(['a', 'b'])
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b'])
  })

  it('retries a failing write with doubling backoff, never dropping it, and reports each failure', async () => {
    const { q, timers, errors, recovered } = setup()
    let attempts = 0
    const written: number[] = []
    const p = q.enqueue(async () => {
      attempts++
      if (attempts <= 4) throw new DOMException('quota', 'QuotaExceededError')
      written.push(1)
    })
    const after = q.enqueue(async () => void written.push(2))
    await timers.advance(0)
    expect(attempts).toBe(1)
    expect(q.error?.code).toBe('quota-exceeded')
    expect(timers.delays()).toEqual([100])
    await timers.advance(100)
    expect(timers.delays()).toEqual([200])
    await timers.advance(200)
    expect(timers.delays()).toEqual([400])
    await timers.advance(400)
    expect(attempts).toBe(4)
    expect(written).toEqual([]) // the second write waits behind the first
    expect(q.pending).toBe(2)
    await timers.advance(800)
    await Promise.all([p, after])
    expect(written).toEqual([1, 2])
    expect(errors.map((e) => e.code)).toEqual(['quota-exceeded', 'quota-exceeded', 'quota-exceeded', 'quota-exceeded'])
    expect(recovered()).toBe(1)
    expect(q.error).toBeUndefined()
  })

  it('idle() waits for queued writes; close() rejects what is left, idle() waiters too (nothing unwritten is reported written)', async () => {
    const { q, timers } = setup()
    const p = q.enqueue(() => Promise.reject(new StorageError('connection-lost', 'gone')))
    let idle = false
    const waiting = q.idle().then(() => (idle = true))
    await timers.advance(0)
    expect(idle).toBe(false)
    q.close()
    await expect(p).rejects.toMatchObject({ code: 'closed' })
    await expect(waiting).rejects.toMatchObject({ code: 'closed' })
    expect(idle).toBe(false)
    expect(timers.pending).toBe(0)
    await expect(q.idle()).resolves.toBeUndefined() // nothing left queued
  })

  it('push() writes in order with enqueued writes, retries like them, and counts for idle()', async () => {
    const { q, timers, errors } = setup()
    const written: string[] = []
    let failOnce = true
    const p = q.enqueue(async () => void written.push('a'))
    q.push(async () => {
      if (failOnce) {
        failOnce = false
        throw new StorageError('connection-lost', 'gone')
      }
      written.push('b')
    })
    const c = q.enqueue(async () => void written.push('c'))
    let idle = false
    void q.idle().then(() => (idle = true))
    await timers.advance(0)
    expect(written).toEqual(['a'])
    expect(errors.map((e) => e.code)).toEqual(['connection-lost'])
    expect(idle).toBe(false)
    await timers.advance(100)
    await c
    await p
    expect(written).toEqual(['a', 'b', 'c'])
    await timers.advance(0)
    expect(idle).toBe(true)
  })

  it('a write that throws instead of rejecting is retried, not stuck', async () => {
    const { q, timers, errors } = setup()
    let attempts = 0
    const p = q.enqueue(() => {
      if (++attempts === 1) throw new StorageError('connection-lost', 'sync throw')
      return Promise.resolve('ok')
    })
    await timers.advance(0)
    expect(errors.map((e) => e.code)).toEqual(['connection-lost'])
    await timers.advance(100)
    await expect(p).resolves.toBe('ok')
  })
})
