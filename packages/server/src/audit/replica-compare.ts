import { Doc, vvCovers, vvMerge } from '@weft/crdt-core'
import type { VersionVector } from '../store/store.js'
import { fmtVv } from './audit-doc.js'
import type { Finding } from './finding.js'
import type { ReplicaDocEntry } from './replica-wire.js'

/** One replica's view of a doc, with its peer-lag figures (region name -> ms). */
export interface ReplicaView {
  readonly replica: string
  readonly entry: ReplicaDocEntry
  readonly lagMs: Readonly<Record<string, number>>
}

/** What to do about one replica finding, carried out by the replica repair. */
export type ReplicaRepair =
  /** Re-send the states of `from` (together they hold every dot `to` lacks) to `to`, which joins only what it lacks. */
  | { readonly kind: 'resend'; readonly from: readonly string[]; readonly to: string }
  /** Overwrite `to`'s content with `from`'s (same version vector, `from` agrees with the majority or is trusted). */
  | { readonly kind: 'replace'; readonly from: string; readonly to: string }

/** A finding about replicas, with the replica it is about and what repair would do. */
export interface ReplicaFinding extends Finding {
  readonly replica: string
  readonly fix?: ReplicaRepair
}

/** The digest of a doc a replica does not have at all. */
export const EMPTY_DIGEST = new Doc().digest()

/**
 * Compares one doc across replicas ([AUDIT-4]). A replica whose version
 * vector does not cover the join of all of them is *lagging*: by how many
 * dots, held by whom, and (for regions) how long since it last caught up
 * with each of them. Replicas with the same version vector must have the
 * same digest; one that does not is *diverged*: the digest most of them hold
 * (or the `trust`ed replica's) is taken as healthy, and without either which
 * content is right is not knowable here.
 */
export function compareReplicas(doc: string, views: readonly ReplicaView[], trust?: string): ReplicaFinding[] {
  const findings: ReplicaFinding[] = []
  const readable = views.filter((v) => v.entry.digest !== null)
  for (const v of views) {
    if (v.entry.digest === null) {
      findings.push({
        check: 'replica-unreadable',
        doc,
        replica: v.replica,
        message: `${v.replica} could not fold the doc: ${v.entry.error ?? 'unknown error'}`,
        unrepairable: `audit ${v.replica}'s store (weft-server audit --store …) for the cause`,
      })
    }
  }
  const join = readable.reduce<VersionVector>((acc, v) => vvMerge(acc, v.entry.vv), {})
  const complete = readable.filter((v) => vvCovers(v.entry.vv, join))

  // Diverged first: a lagging replica is re-sent from a complete one that is also healthy.
  const diverged = new Set<string>()
  const byVv = new Map<string, ReplicaView[]>()
  for (const v of readable) {
    const key = fmtVv(v.entry.vv)
    byVv.set(key, [...(byVv.get(key) ?? []), v])
  }
  for (const [key, group] of byVv) {
    const digests = new Map<string, string[]>()
    for (const v of group) digests.set(v.entry.digest as string, [...(digests.get(v.entry.digest as string) ?? []), v.replica])
    if (digests.size < 2) continue
    const ranked = [...digests].sort((a, b) => b[1].length - a[1].length)
    const [topDigest, topHolders] = ranked[0] as [string, string[]]
    const majority = topHolders.length * 2 > group.length ? topDigest : undefined
    const trusted = trust !== undefined ? group.find((v) => v.replica === trust)?.entry.digest : undefined
    const healthy = trusted ?? majority
    const source = healthy !== undefined ? (digests.get(healthy) as string[])[0] : undefined
    const others = (r: string) =>
      [...digests]
        .filter(([, holders]) => !holders.includes(r))
        .map(([dg, holders]) => `${holders.join(', ')}: ${dg.slice(0, 12)}`)
        .join('; ')
    for (const v of group) {
      if (v.entry.digest === healthy) continue
      diverged.add(v.replica)
      const base = {
        check: 'replica-diverged' as const,
        doc,
        replica: v.replica,
        message: `${v.replica} has the same version vector ${key} as ${group
          .filter((g) => g !== v)
          .map((g) => g.replica)
          .join(', ')} but digest ${(v.entry.digest as string).slice(0, 12)} (${others(v.replica)})`,
        detail: { replica: v.replica, vv: v.entry.vv, digest: v.entry.digest, digests: Object.fromEntries(ranked) },
      }
      findings.push(
        source !== undefined
          ? { ...base, fix: { kind: 'replace', from: source, to: v.replica } }
          : {
              ...base,
              unrepairable: `no digest is held by a majority of the ${group.length} replicas at ${key}: pass --trust NAME (the replica whose content is right) to --repair`,
            },
      )
    }
  }

  const healthySource = complete.find((v) => !diverged.has(v.replica))
  for (const v of readable) {
    if (vvCovers(v.entry.vv, join)) continue
    const lacks: Record<string, [number, number]> = {}
    let dots = 0
    for (const [replica, n] of Object.entries(join)) {
      const have = v.entry.vv[Number(replica)] ?? 0
      if (n > have) {
        lacks[replica] = [have + 1, n]
        dots += n - have
      }
    }
    const leaders = readable.filter((o) => o !== v && Object.entries(lacks).some(([r, [from]]) => (o.entry.vv[Number(r)] ?? 0) >= from)).map((o) => o.replica)
    const ages = leaders
      .filter((l) => v.lagMs[l] !== undefined)
      .map((l) => `${v.replica} last caught up with ${l} ${((v.lagMs[l] as number) / 1000).toFixed(1)} s ago`)
    const range = Object.entries(lacks)
      .map(([r, [a, b]]) => (a === b ? `${r}:${a}` : `${r}:${a}-${b}`))
      .join(' ')
    const base = {
      check: 'replica-lagging' as const,
      doc,
      replica: v.replica,
      message: `${v.replica} lacks ${dots} dot(s) (${range}) held by ${leaders.join(', ')}${v.entry.seq === 0 ? ' (it has no copy of the doc)' : ''}${ages.length > 0 ? `; ${ages.join(', ')}` : ''}`,
      detail: { replica: v.replica, dots, lacks, leaders, lagMs: Object.fromEntries(leaders.map((l) => [l, v.lagMs[l] ?? null])) },
    }
    // One replica holding every dot is enough; else each leader sends what it has (concurrent writes on both sides).
    const from = healthySource !== undefined ? [healthySource.replica] : leaders.filter((l) => !diverged.has(l))
    findings.push(
      from.length > 0
        ? { ...base, fix: { kind: 'resend', from, to: v.replica } }
        : { ...base, unrepairable: 'the replicas holding the dots it lacks diverged: repair the divergence first' },
    )
  }
  return findings
}
