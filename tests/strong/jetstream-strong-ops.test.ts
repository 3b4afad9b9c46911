import { randomBytes } from 'node:crypto'
import { JetStreamStrongOps, WeftUnavailableError } from '@weft/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runStrongOpsContract } from '../../packages/server/src/strong/strong-contract.js'
import { connect } from '@nats-io/transport-node'
import { forwardSubject } from '../../packages/server/src/strong/leader-forwarding.js'
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

describe('[STRONG-FAIR-1] forwarding to the node at the stream leader', () => {
  it("ops called on any node are decided by the node connected to the leader's server, exactly once each", async () => {
    const bucket = `weft_test_${randomBytes(6).toString('hex')}`
    // One weft node per NATS server, each connected to its own first: whichever server leads, one node serves it.
    const nodes = []
    for (let i = 0; i < 3; i++) {
      const servers = [...cluster.urls.slice(i), ...cluster.urls.slice(0, i)]
      nodes.push(await JetStreamStrongOps.open({ servers, bucket, replicas: 3 }))
    }
    try {
      // The serving node's subscription reaches the other NATS servers a moment after it is
      // made; until then an op finds no responder and runs where it was called (which is
      // safe, and what a node does while the leader's node is away). Wait for that first.
      const deadline = Date.now() + 10_000
      while (nodes.filter((n) => n.forwarded > 0).length < 2 && Date.now() < deadline) {
        await Promise.all(nodes.map((ops) => ops.add('warm-up', 1)))
      }
      const before = nodes.map((n) => ({ forwarded: n.forwarded, served: n.servedForOthers }))
      const results = await Promise.all(nodes.flatMap((ops) => Array.from({ length: 5 }, () => ops.add('hot', 1))))
      expect(results.every((r) => r.ok)).toBe(true)
      expect((await nodes[0]!.readCounter('hot')).value).toBe(15)
      // Two nodes handed their ops over and one node ran them for the others.
      expect(nodes.filter((n, i) => n.forwarded > before[i]!.forwarded)).toHaveLength(2)
      expect(nodes.filter((n, i) => n.servedForOthers > before[i]!.served)).toHaveLength(1)
    } finally {
      for (const n of nodes) await n.close()
    }
  })

  it('a forwarded request that fails its checks is answered bad-input, and nothing runs', async () => {
    const bucket = `weft_test_${randomBytes(6).toString('hex')}`
    const ops = await JetStreamStrongOps.open({ servers: [...cluster.urls], bucket, replicas: 3 })
    const nc = await connect({ servers: [...cluster.urls] })
    try {
      const server = (ops as unknown as { nc: { info?: { server_name: string } } }).nc.info?.server_name ?? ''
      const request = { op: 'add', key: 'seats', n: 1, min: 5, max: 1 }
      const reply = await nc.request(forwardSubject(bucket, server), JSON.stringify({ request, budgetMs: 1000 }), { timeout: 5_000 })
      expect(reply.json()).toMatchObject({ failure: { kind: 'bad-input', code: 'bad-number' } })
      expect((await ops.readCounter('seats')).value).toBe(0)
    } finally {
      await nc.close()
      await ops.close()
    }
  })
})
