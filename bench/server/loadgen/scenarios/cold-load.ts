import type { ConnectClient } from '../clients/types.js'
import { pool, round, sleep } from '../stats.js'

const CHUNK = 1024

/** Deterministic filler text (no compression tricks either side). */
function chunk(i: number): string {
  let s = ''
  let x = (i + 1) * 2654435761
  for (let k = 0; k < CHUNK; k++) {
    x = (x * 1103515245 + 12345) >>> 0
    s += String.fromCharCode(97 + (x % 26))
  }
  return s
}

/** Scenario 5, before the restart: write a doc of `bytes` characters in 1 KiB edits and wait until the server has it. */
export async function runColdLoadWrite(connect: ConnectClient, url: string, bytes: number): Promise<Record<string, unknown>> {
  const writer = await connect(url, 'cold-load')
  const edits = Math.ceil(bytes / CHUNK)
  const t0 = performance.now()
  for (let i = 1; i <= edits; i++) {
    writer.edit('w', i, chunk(i))
    if (i % 64 === 0) await sleep(0)
  }
  await writer.whenAcked()
  const writeMs = performance.now() - t0
  await writer.close()
  // Let servers that store on disconnect (Hocuspocus) finish before the restart.
  await sleep(1000)
  return { edits, chars: edits * CHUNK, writeMs: round(writeMs, 0) }
}

/** Scenario 5, after the restart: a fresh client syncs the whole doc. */
export async function runColdLoadRead(connect: ConnectClient, url: string, bytes: number): Promise<Record<string, unknown>> {
  const chars = Math.ceil(bytes / CHUNK) * CHUNK
  const t0 = performance.now()
  const reader = await connect(url, 'cold-load')
  const syncedMs = performance.now() - t0
  while (reader.textLength() !== chars) {
    if (performance.now() - t0 > 30_000) throw new Error(`cold load incomplete: ${reader.textLength()} of ${chars} chars`)
    await sleep(1)
  }
  const completeMs = performance.now() - t0
  const result = { chars, bytesReceived: reader.bytesIn, syncedMs: round(syncedMs, 1), completeMs: round(completeMs, 1) }
  await pool([reader], 1, (c) => c.close())
  return result
}
