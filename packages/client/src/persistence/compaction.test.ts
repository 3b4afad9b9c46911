import { Doc } from '@weft/crdt-core'
import { describe, expect, it } from 'vitest'
import { memoryStorage } from '../storage/memory-storage.js'
import { compactDoc } from './compaction.js'

describe('compactDoc', () => {
  it('[CLIENT-COMPACT-6] joins the stored snapshot too: edits another tab folded into it reach this tab, and the log entries built on them apply', async () => {
    const storage = memoryStorage()
    // A writer tab stores three edits, then dies before posting the last two to the other tabs.
    const writer = new Doc()
    const edits: Uint8Array[] = []
    writer.on('delta', (bytes) => edits.push(bytes))
    for (const s of ['a', 'b', 'c']) writer.getText('body').insert(writer.getText('body').length, s)
    const base = await storage.claimSeqBlock('note')
    for (const [i, bytes] of edits.entries()) await storage.appendLocal('note', base + 1 + i, bytes)
    // Another tab, which had all three, compacts: edits 1 and 2 now live only in the snapshot.
    const folder = new Doc()
    for (const bytes of edits.slice(0, 2)) folder.applyDelta(bytes)
    expect(await storage.compact('note', folder.encodeState(), (await storage.load('note')).meta.lastSeq - 1)).toBe(true)
    const stored = await storage.load('note')
    expect(stored.log).toHaveLength(1)
    // This tab got only edit 1 (posted before the writer died), and compacts next.
    const tab = new Doc()
    tab.applyDelta(edits[0]!)
    await compactDoc(storage, 'note', tab)
    expect(tab.pendingCount).toBe(0)
    expect(tab.getText('body').toString()).toBe('abc')
  })
})
