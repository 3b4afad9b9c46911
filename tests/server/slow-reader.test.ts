import type { WeftServer } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { DocClient, eventually } from './helpers/doc-client.js'
import { startServer, tempDb } from './helpers/temp-server.js'

describe('a slow reader', () => {
  let db: ReturnType<typeof tempDb> | undefined
  let server: WeftServer | undefined
  afterEach(async () => {
    await server?.close()
    db?.cleanup()
  })

  it('is disconnected at the buffered-bytes limit while others keep receiving', async () => {
    db = tempDb()
    // Above the burst a healthy reader sees, far below what the stalled reader is sent.
    server = await startServer(db.path, { limits: { maxBufferedBytes: 2 * 1024 * 1024 } })
    const writer = new DocClient('big:1')
    const reader = new DocClient('big:1')
    const stalled = new DocClient('big:1')
    await writer.connect(server.wsUrl)
    await reader.connect(server.wsUrl)
    await stalled.connect(server.wsUrl)
    stalled.raw.ws.pause() // stops reading: TCP backs up, then ws buffers on the server
    const chunk = 'x'.repeat(60 * 1024)
    // Ten edits at a time: a healthy reader gets bursts of ~600 KB, the stalled one 12 MB in all.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10; i++) writer.edit((d) => d.getText('t').insert(0, chunk))
      await writer.acked(undefined, 20_000)
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toContain('weft_errors_total{code="slow-consumer"} 1')
    await eventually(() => expect(reader.doc.getText('t').length).toBe(200 * chunk.length), 10_000)
    expect(reader.doc.digest()).toBe(writer.doc.digest())
    writer.close()
    reader.close()
    stalled.raw.ws.terminate()
  })
})
