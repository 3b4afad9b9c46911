import { type Doc, dotFingerprints, inspectDelta, vvEquals, vvMerge } from '@weft/crdt-core'
import type { DeltaRecord, DocHead, DotRange, SnapshotRecord, VersionVector } from '../store/store.js'
import type { Finding } from './finding.js'
import { emptyStoredDoc, loadStoredDoc } from '../store/stored-doc.js'

/** A doc as stored, read at one consistent point: head, snapshot and every logged delta (ascending). */
export interface StoredDoc {
  readonly doc: string
  readonly head: DocHead
  readonly snapshot: SnapshotRecord | undefined
  readonly log: readonly DeltaRecord[]
}

/** What auditing one doc found, and the state its snapshot and log replay to. */
export interface DocAudit {
  readonly doc: string
  readonly findings: Finding[]
  readonly headSeq: number
  readonly logLength: number
  /** `digest()` of snapshot + tail replayed (undefined when the snapshot does not decode): compare across nodes. */
  readonly digest: string | undefined
  readonly vv: VersionVector
}

const LOST = 'the delta is lost from this store: restore it from a backup or a replica that has it (clients will not re-upload dots the head already counts)'

/**
 * Checks one doc as stored (pure: no I/O). Memory is that of this doc only.
 * Every finding names the seqs and dots involved; those a store can fix by
 * itself carry a repair action.
 */
export function auditDoc(stored: StoredDoc): DocAudit {
  const { doc, head, snapshot, log } = stored
  const findings: Finding[] = []
  const snapSeq = snapshot?.seq ?? 0

  // Decode every delta once: its real dots, and what it says about each.
  const decoded = new Map<number, { ranges: DotRange[]; dots: Map<string, string> }>()
  for (const d of log) {
    try {
      const ranges = inspectDelta(d.bytes).ranges
      decoded.set(d.seq, { ranges, dots: dotFingerprints(d.bytes) })
      if (!sameRanges(ranges, d.ranges)) {
        findings.push({
          check: 'delta-ranges-mismatch',
          doc,
          message: `seq ${d.seq}: stored ranges ${fmtRanges(d.ranges)} but the delta carries ${fmtRanges(ranges)}`,
          detail: { seq: d.seq, stored: d.ranges, decoded: ranges },
          repair: { kind: 'set-ranges', seq: d.seq, ranges },
        })
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      findings.push({
        check: 'delta-undecodable',
        doc,
        message: `seq ${d.seq} (${d.bytes.byteLength} bytes) does not decode: ${reason}`,
        detail: { seq: d.seq, bytes: d.bytes.byteLength, reason },
        ...(d.seq <= snapSeq && snapshot && coversRanges(snapshot.vv, d.ranges)
          ? { repair: { kind: 'delete-delta', seq: d.seq } as const }
          : { unrepairable: LOST }),
      })
    }
  }

  checkSeqs(stored, findings)
  checkDots(stored, decoded, findings)

  // Snapshot: decodes, and its vv is what it holds.
  let replay: Doc | undefined
  let snapshotSound = true
  if (snapshot) {
    try {
      replay = loadStoredDoc(snapshot.bytes)
      if (!vvEquals(replay.versionVector(), snapshot.vv)) {
        snapshotSound = false
        findings.push(
          snapshotFinding(stored, decoded, `snapshot at seq ${snapSeq}: stored vv ${fmtVv(snapshot.vv)} but it holds ${fmtVv(replay.versionVector())}`),
        )
      }
    } catch (error) {
      snapshotSound = false
      const reason = error instanceof Error ? error.message : String(error)
      findings.push({ ...snapshotFinding(stored, decoded, `snapshot at seq ${snapSeq} does not decode: ${reason}`), check: 'snapshot-undecodable' })
      replay = undefined
    }
  } else replay = emptyStoredDoc()

  // Snapshot + tail: everything applies, nothing waits for a dependency.
  if (replay) {
    for (const d of log) if (d.seq > snapSeq && decoded.has(d.seq)) applyQuietly(replay, d.bytes)
    // Behind an unsound snapshot, waiting deltas are its symptom, not a finding of their own.
    if (replay.pendingCount > 0 && snapshotSound) {
      findings.push({
        check: 'causal-gap',
        doc,
        message: `${replay.pendingCount} delta(s) wait for dependencies no stored delta carries`,
        detail: { pending: replay.pendingCount },
        unrepairable: LOST,
      })
    }
  }

  // With the whole log still there, the snapshot must replay to what the log folds to.
  if (replay && snapshot && snapshotSound && isWholeLog(stored, decoded)) {
    const folded = emptyStoredDoc()
    for (const d of log) applyQuietly(folded, d.bytes)
    if (folded.digest() !== replay.digest()) {
      findings.push(
        snapshotFinding(
          stored,
          decoded,
          `snapshot at seq ${snapSeq} + tail replays to digest ${replay.digest().slice(0, 12)}, the whole log to ${folded.digest().slice(0, 12)}`,
        ),
      )
    }
  }

  // Head vv: exactly the snapshot's vv and every logged delta's dots.
  let expected: VersionVector = { ...(snapshot?.vv ?? {}) }
  for (const d of log) expected = vvMerge(expected, rangesToVv(decoded.get(d.seq)?.ranges ?? d.ranges))
  const maxSeq = log.length > 0 ? (log[log.length - 1] as DeltaRecord).seq : 0
  if (!vvEquals(head.vv, expected)) {
    findings.push({
      check: 'head-vv-mismatch',
      doc,
      message: `head vv ${fmtVv(head.vv)} but snapshot and log hold ${fmtVv(expected)}`,
      detail: { stored: head.vv, expected },
      repair: { kind: 'set-head', seq: Math.max(head.seq, maxSeq), vv: expected },
    })
  }
  if (maxSeq > head.seq) {
    findings.push({
      check: 'head-seq-behind',
      doc,
      message: `head seq ${head.seq} but the log holds seq ${maxSeq}`,
      detail: { head: head.seq, logged: maxSeq },
      repair: { kind: 'set-head', seq: maxSeq, vv: expected },
    })
  }

  return {
    doc,
    findings,
    headSeq: head.seq,
    logLength: log.length,
    digest: replay?.digest(),
    vv: replay?.versionVector() ?? {},
  }
}

/** Seqs dense from at most the snapshot's seq + 1 up to the head. */
function checkSeqs(stored: StoredDoc, findings: Finding[]): void {
  const { doc, head, snapshot, log } = stored
  const missing: Array<[number, number]> = []
  let expect = (snapshot?.seq ?? 0) + 1
  const first = log[0]?.seq
  // A log pruned by compaction starts anywhere up to the snapshot's seq + 1.
  if (first !== undefined && first < expect) expect = first
  for (const d of log) {
    if (d.seq > expect) missing.push([expect, d.seq - 1])
    expect = Math.max(expect, d.seq + 1)
  }
  if (head.seq >= expect) missing.push([expect, head.seq])
  if (missing.length === 0) return
  const text = missing.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ')
  findings.push({
    check: 'seq-gap',
    doc,
    message: `seq ${text} missing from the log (head ${head.seq}${snapshot ? `, snapshot at ${snapshot.seq}` : ''})`,
    detail: { missing, head: head.seq, snapshotSeq: snapshot?.seq ?? null },
    unrepairable: `${LOST}; seqs are never renumbered (nodes and clients hold them)`,
  })
}

/** No dot said two different things in two deltas: one finding per delta that reuses dots of earlier ones. */
function checkDots(stored: StoredDoc, decoded: ReadonlyMap<number, { dots: Map<string, string> }>, findings: Finding[]): void {
  const seen = new Map<string, { seq: number; fp: string }>()
  for (const d of stored.log) {
    const info = decoded.get(d.seq)
    if (!info) continue
    const earlier = new Set<number>()
    const dots: string[] = []
    for (const [dot, fp] of info.dots) {
      const prior = seen.get(dot)
      if (!prior) {
        seen.set(dot, { seq: d.seq, fp })
        continue
      }
      if (sameContent(prior.fp, fp)) continue
      earlier.add(prior.seq)
      dots.push(dot)
    }
    if (dots.length === 0) continue
    const seqs = [...earlier].sort((a, b) => a - b)
    findings.push({
      check: 'dot-reused',
      doc: stored.doc,
      message: `seq ${d.seq} carries ${dots.length} dot(s) of seq ${seqs.join(', ')} with different content (${dots.slice(0, 5).join(', ')}${dots.length > 5 ? ', …' : ''})`,
      detail: { seq: d.seq, earlierSeqs: seqs, dots: dots.slice(0, 100) },
      unrepairable: 'which content is right is not knowable here: find the replica that reused the dots (its id is the first number of each dot)',
    })
  }
}

/** Fingerprints are `structure\0element`; an element is compared only when both deltas carried it (a tombstone travels without). */
function sameContent(a: string, b: string): boolean {
  const [sa, ea = ''] = a.split('\u0000')
  const [sb, eb = ''] = b.split('\u0000')
  return sa === sb && (ea === '' || eb === '' || ea === eb)
}

function snapshotFinding(stored: StoredDoc, decoded: ReadonlyMap<number, unknown>, message: string): Finding {
  const { doc, snapshot, log } = stored
  const seq = snapshot?.seq ?? 0
  if (!isWholeLog(stored, decoded)) {
    return {
      check: 'snapshot-mismatch',
      doc,
      message,
      detail: { seq },
      unrepairable: 'the log it covers was pruned by compaction: rebuild from a healthy replica (a client that has the doc re-uploads what the server lacks)',
    }
  }
  const folded = emptyStoredDoc()
  for (const d of log) if (d.seq <= seq) applyQuietly(folded, d.bytes)
  return {
    check: 'snapshot-mismatch',
    doc,
    message,
    detail: { seq },
    repair: { kind: 'rewrite-snapshot', seq, bytes: folded.encodeState(), vv: folded.versionVector() },
  }
}

/** The log still starts at seq 1 and every delta decodes: it alone rebuilds the doc. */
function isWholeLog(stored: StoredDoc, decoded: ReadonlyMap<number, unknown>): boolean {
  const { log } = stored
  if (log[0]?.seq !== 1) return stored.snapshot === undefined && log.length === 0
  return log.every((d, i) => d.seq === i + 1 && decoded.has(d.seq))
}

function applyQuietly(doc: Doc, bytes: Uint8Array): void {
  try {
    doc.applyDelta(bytes)
  } catch {
    // Reported by the decode check; a delta that decodes but does not apply shows as a digest or causal finding.
  }
}

function sameRanges(a: readonly DotRange[], b: readonly DotRange[]): boolean {
  return vvKey(a) === vvKey(b)
}

function vvKey(ranges: readonly DotRange[]): string {
  return ranges
    .filter((r) => r.to > r.from)
    .map((r) => `${r.replica}:${r.from}-${r.to}`)
    .sort()
    .join(',')
}

function rangesToVv(ranges: readonly DotRange[]): VersionVector {
  const vv: VersionVector = {}
  for (const r of ranges) if (r.to > (vv[r.replica] ?? 0)) vv[r.replica] = r.to
  return vv
}

function coversRanges(vv: VersionVector, ranges: readonly DotRange[]): boolean {
  return ranges.every((r) => (vv[r.replica] ?? 0) >= r.to)
}

function fmtRanges(ranges: readonly DotRange[]): string {
  return `[${ranges.map((r) => `${r.replica}:(${r.from},${r.to}]`).join(' ')}]`
}

export function fmtVv(vv: VersionVector): string {
  const parts = Object.entries(vv)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${r}:${n}`)
  return `{${parts.join(' ')}}`
}
