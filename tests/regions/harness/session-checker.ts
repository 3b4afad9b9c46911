import { type DocHandle, whenFresh } from '@weft/client'
import { type VersionVector, vvMerge } from '@weft/crdt-core'
import { elements, regionClient } from './readers.js'
import type { Region } from './region.js'

/** What a roaming session saw go wrong (each entry names the hop and the elements). */
export interface SessionReport {
  hops: number
  /** Hops whose region never became fresh for the session within the timeout (a cut-off region: allowed, not a violation). */
  staleHops: number
  violations: string[]
}

/**
 * One user moving between regions ([FRESH-1]): on every hop it opens the doc
 * in a region, waits for `whenFresh('session')` with the version vector it
 * carries, then checks read-your-writes (everything it wrote is there) and
 * monotonic reads (everything it read before is there), and writes one
 * element whose read set it records. {@link checkWritesFollowReads} then
 * checks, on any replica, that a write is never visible without what its
 * writer had read.
 */
export class RoamingSession {
  readonly report: SessionReport = { hops: 0, staleHops: 0, violations: [] }
  /** Per element this session wrote: what it had read when it wrote it. */
  readonly readBefore = new Map<string, ReadonlySet<string>>()
  private seen: VersionVector = {}
  private read = new Set<string>()
  private readonly written: string[] = []

  constructor(
    private readonly doc: string,
    private readonly name: string,
  ) {}

  async hop(region: Region): Promise<void> {
    const hop = this.report.hops++
    const client = regionClient(region)
    try {
      const h = client.doc(this.doc)
      try {
        await whenFresh(h, 'session', { regionUrl: region.httpUrl, seen: this.seen, timeoutMs: 15_000 })
      } catch {
        this.report.staleHops++
        return
      }
      const now = new Set(elements(h))
      const unread = [...this.read].filter((e) => !now.has(e))
      const unwritten = this.written.filter((e) => !now.has(e))
      if (unwritten.length > 0)
        this.report.violations.push(`hop ${hop} to ${region.name}: read-your-writes broken, missing ${unwritten.slice(0, 5).join(', ')}`)
      if (unread.length > 0) this.report.violations.push(`hop ${hop} to ${region.name}: monotonic reads broken, missing ${unread.slice(0, 5).join(', ')}`)
      const e = `${this.name}.${hop}`
      this.readBefore.set(e, now)
      h.doc.getList('set').push(e)
      this.written.push(e)
      await h.whenSaved('server')
      this.read = new Set([...now, e])
      this.seen = vvMerge(this.seen, h.doc.versionVector())
    } finally {
      await client.close()
    }
  }
}

/** Writes-follow-reads: on `h`, every session write visible comes with everything its writer had read. */
export function checkWritesFollowReads(session: RoamingSession, visible: readonly string[], where: string): string[] {
  const have = new Set(visible)
  const out: string[] = []
  for (const [w, before] of session.readBefore) {
    if (!have.has(w)) continue
    const missing = [...before].filter((e) => !have.has(e))
    if (missing.length > 0) out.push(`${where}: ${w} visible without ${missing.length} element(s) read before it (${missing.slice(0, 3).join(', ')})`)
  }
  return out
}

/** Watches a live handle and records writes-follow-reads violations as they appear (once per tick with changes). */
export function watchWritesFollowReads(session: RoamingSession, h: DocHandle, where: string, into: string[]): () => void {
  let queued = false
  const check = () => {
    if (queued) return
    queued = true
    queueMicrotask(() => {
      queued = false
      into.push(...checkWritesFollowReads(session, elements(h), where))
    })
  }
  h.doc.on('change', check)
  return () => h.doc.off('change', check)
}
