import { Doc } from '@weft/crdt-core'
import { runAuditCommand } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { type AuditedStore, compact, openPostgres, openSqlite, typing, writeHistory } from './stores.js'

interface RunResult {
  code: number
  out: string
  err: string
  json: {
    findingsTotal: number
    docsAudited: number
    findings: Array<{ check: string; doc: string | null; message: string; repairable: boolean }>
    repairs?: Array<{ check: string; ok: boolean; note: string }>
    remaining?: number
  }
}

async function audit(s: AuditedStore, ...extra: string[]): Promise<RunResult> {
  let out = ''
  let err = ''
  const code = await runAuditCommand([...s.args, '--json', ...extra], {}, { write: (x: string) => (out += x) }, { write: (x: string) => (err += x) })
  return { code, out, err, json: JSON.parse(out) }
}

const checks = (r: RunResult) => r.json.findings.map((f) => `${f.check} ${f.doc ?? ''}`.trim()).sort()

/** Three healthy docs: a plain log, one compacted with its whole log kept, one compacted and pruned. */
async function healthy(s: AuditedStore): Promise<void> {
  await writeHistory(s.store, 'note:plain', 101, typing(12))
  await writeHistory(s.store, 'note:snap', 102, typing(10))
  await compact(s.store, 'note:snap', 6, 6)
  await writeHistory(s.store, 'note:pruned', 103, typing(10))
  await compact(s.store, 'note:pruned', 8, 2)
}

for (const [name, open] of [
  ['SQLite', openSqlite],
  ['PostgreSQL', openPostgres],
] as const) {
  describe(`[AUDIT-1] [AUDIT-2] weft-server audit on ${name}`, () => {
    let s: AuditedStore
    afterEach(async () => {
      await s.cleanup()
    })

    it('a healthy store audits clean (exit 0)', async () => {
      s = await open()
      await healthy(s)
      await s.closeStore()
      const r = await audit(s)
      expect(r.json.findings).toEqual([])
      expect(r.json.docsAudited).toBe(3)
      expect(r.code).toBe(0)
    })

    it('a gap in seqs: seq-gap naming the missing seq, exit 1, and --repair says it cannot', async () => {
      s = await open()
      await healthy(s)
      await s.raw('DELETE FROM deltas WHERE doc = $1 AND seq = $2', ['note:plain', 5])
      await s.closeStore()
      const r = await audit(s)
      expect(checks(r)).toContain('seq-gap note:plain')
      expect(r.json.findings.find((f) => f.check === 'seq-gap')?.message).toMatch(/^seq 5 missing/)
      expect(r.code).toBe(1)
      const fixed = await audit(s, '--repair')
      expect(fixed.code).toBe(1)
      expect(fixed.json.repairs?.find((x) => x.check === 'seq-gap')).toMatchObject({ ok: false, note: expect.stringMatching(/not repairable here/) })
    })

    it('[AUDIT-1] [AUDIT-2] a dot reused with other content: dot-reused naming both seqs, exit 1; --repair does not guess which content is right and says so (exit 1)', async () => {
      s = await open()
      await healthy(s)
      // A second replica that drew the same id (101) writes other text under the same dots.
      await writeHistory(s.store, 'note:plain', 101, (d) => d.getText('body').insert(0, 'XYZ'))
      await s.closeStore()
      const r = await audit(s)
      expect(checks(r)).toEqual(['dot-reused note:plain'])
      expect(r.json.findings[0]?.message).toBe('seq 13 carries 3 dot(s) of seq 1, 2 with different content (101:1, 101:2, 101:3)')
      expect(r.code).toBe(1)
      const fixed = await audit(s, '--repair')
      expect(fixed.json.repairs).toEqual([
        { doc: 'note:plain', check: 'dot-reused', action: 'none', ok: false, note: expect.stringMatching(/^not repairable here: /) },
      ])
      expect(fixed.code).toBe(1)
    })

    it('a truncated delta: delta-undecodable at its seq; repaired (dropped) only where the snapshot holds it', async () => {
      s = await open()
      await healthy(s)
      await s.raw('UPDATE deltas SET bytes = substr(bytes, 1, length(bytes) - 3) WHERE doc = $1 AND seq = $2', ['note:plain', 4])
      await s.raw('UPDATE deltas SET bytes = substr(bytes, 1, length(bytes) - 3) WHERE doc = $1 AND seq = $2', ['note:pruned', 7])
      await s.closeStore()
      const r = await audit(s)
      expect(r.json.findings.filter((f) => f.check === 'delta-undecodable').map((f) => [f.doc, f.message.slice(0, 6), f.repairable])).toEqual([
        ['note:plain', 'seq 4 ', false],
        ['note:pruned', 'seq 7 ', true],
      ])
      expect(r.code).toBe(1)
      const fixed = await audit(s, '--repair')
      expect(fixed.json.repairs?.filter((x) => x.ok).map((x) => x.check)).toEqual(['delta-undecodable'])
      const after = await audit(s)
      expect(checks(after)).not.toContain('delta-undecodable note:pruned')
      expect(checks(after)).toContain('delta-undecodable note:plain')
    })

    it('a snapshot that does not match the log it covers: snapshot-mismatch, exit 1; --repair rebuilds it from the log, exit 0', async () => {
      s = await open()
      await healthy(s)
      // The state of seqs 1-3 filed as the snapshot through seq 6, with seq 6's vv.
      const early = new Doc()
      for (const d of await s.store.readAfterSeq('note:snap', 0)) if (d.seq <= 3) early.applyDelta(d.bytes)
      await s.raw('UPDATE snapshots SET bytes = $2 WHERE doc = $1', ['note:snap', Buffer.from(early.encodeState())])
      await s.closeStore()
      const r = await audit(s)
      expect(checks(r)).toEqual(['snapshot-mismatch note:snap'])
      expect(r.json.findings[0]).toMatchObject({ repairable: true })
      expect(r.code).toBe(1)
      const fixed = await audit(s, '--repair')
      expect(fixed.json.repairs).toEqual([
        expect.objectContaining({ check: 'snapshot-mismatch', ok: true, note: expect.stringMatching(/rebuilt from the log/) }),
      ])
      expect(fixed.code).toBe(0)
      expect((await audit(s)).code).toBe(0)
    })

    it('a snapshot that does not match over a pruned log: found, and --repair says why it cannot', async () => {
      s = await open()
      await healthy(s)
      await s.raw('UPDATE snapshots SET bytes = $2 WHERE doc = $1', ['note:pruned', Buffer.from(new Doc().encodeState())])
      await s.closeStore()
      const r = await audit(s)
      expect(checks(r)).toContain('snapshot-mismatch note:pruned')
      const fixed = await audit(s, '--repair')
      expect(fixed.code).toBe(1)
      expect(fixed.json.repairs?.find((x) => x.check === 'snapshot-mismatch')?.note).toMatch(/pruned by compaction/)
    })

    it('a head vv, a head seq and dot ranges that disagree with the log: each found, and --repair fixes all three', async () => {
      s = await open()
      await healthy(s)
      await s.raw('DELETE FROM doc_replicas WHERE doc = $1', ['note:plain'])
      await s.raw('UPDATE docs SET head_seq = head_seq - 1 WHERE doc = $1', ['note:pruned'])
      await s.raw(`UPDATE deltas SET ranges = '[]' WHERE doc = $1 AND seq = $2`, ['note:snap', 9])
      await s.closeStore()
      const r = await audit(s)
      expect(checks(r)).toEqual(['delta-ranges-mismatch note:snap', 'head-seq-behind note:pruned', 'head-vv-mismatch note:plain'])
      expect(r.code).toBe(1)
      const fixed = await audit(s, '--repair')
      expect(fixed.json.repairs?.every((x) => x.ok)).toBe(true)
      expect(fixed.code).toBe(0)
      const after = await audit(s)
      expect(after.json.findings).toEqual([])
    })

    it('--docs limits the audit to matching docs', async () => {
      s = await open()
      await healthy(s)
      await s.raw('DELETE FROM deltas WHERE doc = $1 AND seq = $2', ['note:plain', 5])
      await s.closeStore()
      const r = await audit(s, '--docs', 'note:p*d')
      expect(r.json.docsAudited).toBe(1)
      expect(r.code).toBe(0)
    })
  })
}
