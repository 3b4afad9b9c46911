import type { ResidencyRule } from './residency.js'

/** One peer region: its name and the base URL of any of its nodes (`http://host:port`). */
export interface RegionPeer {
  readonly name: string
  readonly url: string
}

/** How this server takes part in multi-region replication ([REGION-1]). */
export interface RegionOptions {
  /** This region's name (`--region`, env `WEFT_REGION`). */
  readonly name: string
  /** The other regions (`--peer NAME=URL`, repeatable; env `WEFT_PEERS` as `name=url,name=url`). */
  readonly peers: readonly RegionPeer[]
  /** Shared service credential between regions (`--peer-secret`, env `WEFT_PEER_SECRET`): peer routes refuse without it. */
  readonly secret: string
  /** How long one heads stream from a peer lasts before it is asked again with its resume token (default 20 s). */
  readonly longPollMs?: number | undefined
  /** How often a region looks at its own heads while it holds a long poll open (default 25 ms). */
  readonly headsCheckMs?: number | undefined
  /** Wait after a failed request to a peer before trying again (default 250 ms). */
  readonly retryMs?: number | undefined
  /** Full anti-entropy pass (every doc's version vector, not just changed heads) this often (default 30 s). */
  readonly antiEntropyMs?: number | undefined
  /** Docs at equal version vectors whose stored digests one anti-entropy pass compares with a peer's (default 1000, rotating). */
  readonly digestDocsPerPass?: number | undefined
  /**
   * Docs pinned to a set of regions (`--residency eu:*=eu-west+eu-central`, repeatable; env
   * `WEFT_RESIDENCY` as `p=r+r;p=r`) ([RESIDENCY-1]). Every region must be given the same table.
   */
  readonly residency?: readonly ResidencyRule[] | undefined
  /** Receipts of writes acknowledged at a level kept for the audit, newest first (default 10,000) ([AUDIT-9]). */
  readonly maxReceipts?: number | undefined
}

/**
 * Parses `name=url` pairs (a flag given several times, or one comma-separated
 * env value). Throws with what to fix on a bad pair, a duplicate name or the
 * region itself among its peers.
 */
export function parsePeers(values: readonly string[], self: string | undefined): RegionPeer[] {
  const peers: RegionPeer[] = []
  for (const raw of values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')) {
    const eq = raw.indexOf('=')
    const name = raw.slice(0, eq).trim()
    const url = raw.slice(eq + 1).trim()
    if (eq <= 0 || !/^https?:\/\//.test(url)) throw new Error(`--peer / WEFT_PEERS: expected NAME=http://host:port, got "${raw}"`)
    if (name === self) throw new Error(`--peer: "${name}" is this region itself; list only the other regions`)
    if (peers.some((p) => p.name === name)) throw new Error(`--peer: region "${name}" is given twice`)
    peers.push({ name, url: url.replace(/\/+$/, '') })
  }
  return peers
}
