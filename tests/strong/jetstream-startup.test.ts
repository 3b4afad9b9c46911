import { randomBytes } from 'node:crypto'
import { JetStreamStrongOps, WeftUnavailableError } from '@weft/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type NatsCluster, startNatsCluster } from '../support/nats-cluster.js'

// A weft node started beside a JetStream cluster that has not elected its leaders yet
// (here: two of three servers down, so the survivor has no meta leader) waits for it
// instead of exiting. Before, open() failed at the first unanswered request.
let cluster: NatsCluster
beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3 })
})
afterAll(async () => {
  await cluster?.close()
})

describe('JetStreamStrongOps.open on a cluster still starting', () => {
  it('gives up after startupWaitMs with the reason it waited for, while no leader can be elected', async () => {
    await cluster.kill(1)
    await cluster.kill(2)
    const reasons: string[] = []
    const started = Date.now()
    const opening = JetStreamStrongOps.open({
      servers: [cluster.nodes[0]!.url],
      bucket: `weft_test_${randomBytes(6).toString('hex')}`,
      timeoutMs: 1_000,
      startupWaitMs: 3_000,
      onWaiting: (r) => reasons.push(r),
    })
    const error: unknown = await opening.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WeftUnavailableError)
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000)
    expect(reasons.length).toBeGreaterThan(0)
    expect(String((error as Error).message)).toMatch(/JetStream/)
  })

  it('waits for the servers to come up and the leaders to be elected, then opens and serves', async () => {
    const reasons: string[] = []
    const bucket = `weft_test_${randomBytes(6).toString('hex')}`
    const opening = JetStreamStrongOps.open({ servers: [cluster.nodes[0]!.url], bucket, timeoutMs: 1_000, onWaiting: (r) => reasons.push(r) })
    // The open is under way and waiting when the other servers come back.
    await new Promise((r) => setTimeout(r, 2_000))
    await Promise.all([cluster.restart(1), cluster.restart(2)])
    const ops = await opening
    try {
      expect(reasons.length).toBeGreaterThan(0)
      expect(await ops.add('seats', 1, { max: 2 })).toMatchObject({ ok: true, value: 1 })
    } finally {
      await ops.close()
    }
  })
})
