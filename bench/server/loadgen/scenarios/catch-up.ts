import type { ConnectClient } from '../clients/types.js'
import { probeServer } from '../probe.js'
import { round, sleep } from '../stats.js'

/**
 * Scenario 4: a reader syncs a short doc and goes offline; a writer makes
 * `edits` one-character edits (each also sets a map key, as in the typing
 * scenarios) and waits for the server's acks; the reader reconnects with its
 * replica. Measures bytes the reader receives and time until it has them all,
 * against the encoded size of exactly what it missed.
 */
export async function runCatchUp(connect: ConnectClient, url: string, edits: number): Promise<Record<string, unknown>> {
  const writer = await connect(url, 'catch-up')
  const reader = await connect(url, 'catch-up')
  const warm = 100
  for (let i = 1; i <= warm; i++) writer.edit('w', i)
  await writer.whenAcked()
  while (reader.read('w') !== warm) await sleep(2)
  const marker = reader.stateMarker()
  await reader.disconnect()

  const tw0 = performance.now()
  for (let i = warm + 1; i <= warm + edits; i++) {
    writer.edit('w', i)
    // Yield now and then so the socket drains while we keep typing.
    if (i % 500 === 0) await sleep(0)
  }
  await writer.whenAcked()
  const writeMs = performance.now() - tw0
  await sleep(200)
  const missedEncodedBytes = writer.encodedSizeSince(marker)

  const s0 = await probeServer()
  const bytes0 = reader.bytesIn
  const t0 = performance.now()
  await reader.reconnect()
  const syncedMs = performance.now() - t0
  const last = warm + edits
  while (reader.read('w') !== last || reader.textLength() !== last) {
    if (performance.now() - t0 > 30_000) throw new Error(`catch-up incomplete: seq ${reader.read('w')} of ${last}`)
    await sleep(1)
  }
  const completeMs = performance.now() - t0
  const bytesReceived = reader.bytesIn - bytes0
  const s1 = await probeServer()
  await writer.close()
  await reader.close()
  return {
    missedEdits: edits,
    writerAckedMs: round(writeMs, 0),
    missedEncodedBytes,
    bytesReceived,
    bytesRatio: round(bytesReceived / missedEncodedBytes, 2),
    reconnectToSyncedMs: round(syncedMs, 1),
    reconnectToCompleteMs: round(completeMs, 1),
    serverCpuMsDuringCatchUp: round(s1.cpuMs - s0.cpuMs, 0),
  }
}
