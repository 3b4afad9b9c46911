/**
 * Hands a list of updates from the local-apply process to the remote-apply process: a u32 count,
 * then for each update a u32 length and its bytes (little-endian).
 */
import { readFileSync, writeFileSync } from 'node:fs'

export function writeUpdates(path: string, updates: readonly Uint8Array[]): void {
  let size = 4
  for (const u of updates) size += 4 + u.byteLength
  const buf = Buffer.allocUnsafe(size)
  let at = buf.writeUInt32LE(updates.length, 0)
  for (const u of updates) {
    at = buf.writeUInt32LE(u.byteLength, at)
    buf.set(u, at)
    at += u.byteLength
  }
  writeFileSync(path, buf)
}

export function readUpdates(path: string): Uint8Array[] {
  const buf = readFileSync(path)
  const count = buf.readUInt32LE(0)
  const out: Uint8Array[] = []
  let at = 4
  for (let i = 0; i < count; i++) {
    const len = buf.readUInt32LE(at)
    at += 4
    if (at + len > buf.byteLength) throw new Error(`${path}: truncated update file`)
    // A copy, so that each update owns its bytes as it would off the network.
    out.push(new Uint8Array(buf.subarray(at, at + len)))
    at += len
  }
  return out
}
