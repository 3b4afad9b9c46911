import { randomBytes } from 'node:crypto'
import { JetStreamStrongOps, WeftUnavailableError } from '@weft/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runStrongOpsContract } from '../../packages/server/src/strong/strong-contract.js'
import { freePort } from '../support/free-port.js'
import { type NatsCluster, startNatsCluster } from '../support/nats-cluster.js'

// One real 3-node cluster for the file; every test gets its own R=3 bucket.
let cluster: NatsCluster
beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3 })
})
afterAll(async () => {
  await cluster?.close()
})

runStrongOpsContract('JetStreamStrongOps (R=3)', async () => {
  const bucket = `weft_test_${randomBytes(6).toString('hex')}`
  const open = () => JetStreamStrongOps.open({ servers: [...cluster.urls], bucket, replicas: 3 })
  return { ops: await open(), open }
})

describe('JetStreamStrongOps', () => {
  it('refuses to open against an unreachable cluster with WeftUnavailableError(unreachable)', async () => {
    const port = await freePort()
    const opening = JetStreamStrongOps.open({ servers: `nats://127.0.0.1:${port}`, timeoutMs: 1_000 })
    await expect(opening).rejects.toBeInstanceOf(WeftUnavailableError)
    await expect(opening).rejects.toMatchObject({ code: 'unreachable' })
  })
})
